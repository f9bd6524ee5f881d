export function BulkActionPage(_props: { kind: string; id: string }) {
  return <h1>BulkActionPage</h1>;
}
