/**
 * The console's shell: sign-in when there is no key in this tab, otherwise the header (organization
 * and user from /me/, navigation, sign out) and the page the hash route names.
 */
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, useSyncExternalStore } from 'react';
import { onRateLimitWait } from './api/client.ts';
import { useMe } from './api/hooks.ts';
import { getApiKey, setApiKey, subscribeApiKey } from './api/session.ts';
import { FormErrors } from './components/form.tsx';
import { BulkActionPage } from './pages/bulk-action.tsx';
import { BulkActionsPage } from './pages/bulk-actions.tsx';
import { LeadPage } from './pages/lead.tsx';
import { LeadsPage } from './pages/leads.tsx';
import { SettingsPage } from './pages/settings.tsx';
import { SignIn } from './pages/sign-in.tsx';
import { href, useRoute } from './router.ts';

const NAV = [
  { path: 'leads', label: 'Leads' },
  { path: 'bulk', label: 'Bulk actions' },
  { path: 'settings', label: 'Settings' },
] as const;

function RateLimitNotice() {
  const [seconds, setSeconds] = useState<number | null>(null);
  useEffect(() => onRateLimitWait(setSeconds), []);
  return (
    <div className="rate-limit" role="status" aria-live="polite">
      {seconds !== null ? `The server asked us to slow down; retrying in ${seconds} s…` : ''}
    </div>
  );
}

function Page({ route }: { route: string[] }) {
  const [first = 'leads', second, third] = route;
  switch (first) {
    case 'leads':
      return second ? <LeadPage id={second} /> : <LeadsPage />;
    case 'bulk':
      return second && third ? <BulkActionPage kind={second} id={third} /> : <BulkActionsPage />;
    case 'settings':
      return <SettingsPage section={second ?? 'statuses'} />;
    default:
      return (
        <>
          <h1>Not found</h1>
          <p>
            No page here. <a href={href('leads')}>Go to leads</a>.
          </p>
        </>
      );
  }
}

function Shell() {
  const me = useMe();
  const route = useRoute();
  const queryClient = useQueryClient();
  const org = me.data?.organizations[0];
  const user = me.data ? [me.data.first_name, me.data.last_name].filter(Boolean).join(' ') || me.data.email : '';
  return (
    <>
      <a className="skip-link" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>
        Skip to content
      </a>
      <header className="app-header">
        <div className="brand">Sluice</div>
        <nav aria-label="Main">
          <ul>
            {NAV.map((n) => (
              <li key={n.path}>
                <a href={href(n.path)} aria-current={(route[0] ?? 'leads') === n.path ? 'page' : undefined}>
                  {n.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div className="who" data-testid="who">
          {me.data ? (
            <>
              <span className="org">{org?.name}</span>
              <span className="user">
                {user} <span className="muted">({me.data.email})</span>
              </span>
            </>
          ) : null}
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setApiKey(null);
              queryClient.clear();
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      <RateLimitNotice />
      <main id="main" tabIndex={-1}>
        {me.error ? <FormErrors error={me.error} /> : null}
        <Page route={route} />
      </main>
    </>
  );
}

export function App() {
  const key = useSyncExternalStore(subscribeApiKey, getApiKey);
  return key === null ? <SignIn /> : <Shell />;
}
