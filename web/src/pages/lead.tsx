export function LeadPage(_props: { id: string }) {
  return <h1>LeadPage</h1>;
}
