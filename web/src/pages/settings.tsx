export function SettingsPage(_props: { section: string }) {
  return <h1>SettingsPage</h1>;
}
