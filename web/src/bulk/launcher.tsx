import type { SortSpec } from '../pages/leads.tsx';

export function BulkLauncher(_props: { query: unknown; sort: SortSpec; count: number | undefined }) {
  return null;
}
