export function BulkActionsPage() {
  return <h1>BulkActionsPage</h1>;
}
