/**
 * The API key of the signed-in user. Kept in sessionStorage only: it dies with the tab, never
 * reaches the URL, localStorage or a cookie, and other tabs sign in on their own.
 */
const KEY = 'sluice.apiKey';
type Listener = () => void;
const listeners = new Set<Listener>();

export function getApiKey(): string | null {
  return sessionStorage.getItem(KEY);
}

export function setApiKey(key: string | null): void {
  if (key === null) sessionStorage.removeItem(KEY);
  else sessionStorage.setItem(KEY, key);
  for (const listener of listeners) listener();
}

export function subscribeApiKey(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
