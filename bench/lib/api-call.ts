/** One JSON call to a Sluice server's API with an organization's key; a non-2xx answer throws. */
export async function apiCall<T = Record<string, unknown>>(baseUrl: string, apiKey: string, method: string, url: string, body?: unknown): Promise<T> {
  const res = await fetch(`${baseUrl}/api/v1${url}`, {
    method,
    headers: { authorization: `Basic ${Buffer.from(`${apiKey}:`).toString('base64')}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as T;
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}
