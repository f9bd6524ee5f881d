/**
 * Hash routes (`#/leads`, `#/bulk/edit/ID`): the server serves one page at `/` and never needs to
 * know the console's paths, so no path outside the built files reaches the static handler.
 */
import { useSyncExternalStore } from 'react';

function subscribe(listener: () => void): () => void {
  window.addEventListener('hashchange', listener);
  return () => window.removeEventListener('hashchange', listener);
}

const current = () => window.location.hash.replace(/^#\/?/, '');

/** The route's path segments, e.g. ['bulk', 'edit', 'bulkedit_…']. */
export function useRoute(): string[] {
  const hash = useSyncExternalStore(subscribe, current);
  const [path = ''] = hash.split('?');
  return path.split('/').filter((s) => s !== '').map(decodeURIComponent);
}

export function href(path: string): string {
  return `#/${path.replace(/^\//, '')}`;
}

export function navigate(path: string): void {
  window.location.hash = href(path);
}
