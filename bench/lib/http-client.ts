/** A minimal JSON client for benchmarks: Basic auth with an API key, keep-alive (fetch's default). */

export interface JsonResponse<T> {
  readonly status: number;
  readonly body: T;
  readonly ms: number;
}

/** POSTs `body` as JSON and returns the parsed answer with the round-trip time. */
export async function postJson<T = unknown>(url: string, apiKey: string, body: unknown): Promise<JsonResponse<T>> {
  const start = performance.now();
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${apiKey}:`).toString('base64')}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const parsed = (await res.json()) as T;
  return { status: res.status, body: parsed, ms: performance.now() - start };
}
