/**
 * The one way the console talks to Sluice: the public API under /api/v1/, HTTP Basic with the API
 * key as user name. A 429 is waited out (its Retry-After) and retried, not shown as an error; a 401
 * signs out; any other error becomes an ApiError carrying Close's `errors` and `field-errors`, which
 * forms show next to the controls they name.
 */
import { getApiKey, setApiKey } from './session.ts';

export class ApiError extends Error {
  readonly status: number;
  readonly errors: readonly string[];
  readonly fieldErrors: Readonly<Record<string, string>>;

  constructor(status: number, message: string, errors: readonly string[] = [], fieldErrors: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.errors = errors;
    this.fieldErrors = fieldErrors;
  }
}

/** The user-facing text of an error (field errors are shown by their controls as well). */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) {
    const parts = [...error.errors, ...Object.entries(error.fieldErrors).map(([k, v]) => `${k}: ${v}`)];
    return parts.length > 0 ? parts.join(' ') : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

type WaitListener = (seconds: number | null) => void;
const waitListeners = new Set<WaitListener>();
/** Tells the status line while requests wait out a 429. */
export function onRateLimitWait(listener: WaitListener): () => void {
  waitListeners.add(listener);
  return () => waitListeners.delete(listener);
}

const MAX_RATE_LIMIT_RETRIES = 20;

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });
}

export interface RequestOptions {
  readonly body?: unknown;
  readonly signal?: AbortSignal;
  /** Key to use instead of the session's (signing in). */
  readonly key?: string;
}

/** Calls `method path` (path relative to /api/v1/) and returns the parsed JSON body. */
export async function api<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const key = options.key ?? getApiKey();
  if (key === null) throw new ApiError(401, 'Not signed in.');
  const headers: Record<string, string> = {
    authorization: `Basic ${btoa(`${key}:`)}`,
    accept: 'application/json',
    'x-tz-offset': String(-new Date().getTimezoneOffset() / 60),
  };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(`/api/v1/${path.replace(/^\//, '')}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
      credentials: 'omit',
      cache: 'no-store',
    });
    if (response.status === 429 && attempt < MAX_RATE_LIMIT_RETRIES) {
      const seconds = Math.max(1, Number(response.headers.get('retry-after')) || 1);
      for (const l of waitListeners) l(seconds);
      await sleep(seconds * 1000, options.signal);
      for (const l of waitListeners) l(null);
      continue;
    }
    const text = await response.text();
    let body: unknown = undefined;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = text;
    }
    if (response.ok) return body as T;
    if (response.status === 401 && options.key === undefined) setApiKey(null);
    const o = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    const errors = Array.isArray(o.errors) ? o.errors.map(String) : typeof o.error === 'string' ? [o.error] : [];
    const fieldErrors = (o['field-errors'] && typeof o['field-errors'] === 'object' ? o['field-errors'] : {}) as Record<string, string>;
    throw new ApiError(response.status, errors[0] ?? `HTTP ${response.status}`, errors, fieldErrors);
  }
}

/** Every page of a Close list endpoint (`has_more`, `_skip`), up to `max` objects. */
export async function listAll<T>(path: string, max = 1000): Promise<T[]> {
  const out: T[] = [];
  const sep = path.includes('?') ? '&' : '?';
  for (;;) {
    const page = await api<{ data: T[]; has_more: boolean }>('GET', `${path}${sep}_skip=${out.length}&_limit=100`);
    out.push(...page.data);
    if (!page.has_more || out.length >= max || page.data.length === 0) return out;
  }
}
