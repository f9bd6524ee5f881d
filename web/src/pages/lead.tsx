/** One lead: its fields, contacts, email activities and events (the event log). */
import { useQuery } from '@tanstack/react-query';
import { api } from '../api/client.ts';
import { useCustomFields } from '../api/hooks.ts';
import { FormErrors } from '../components/form.tsx';
import { href } from '../router.ts';

interface Contact {
  id: string;
  name: string;
  title: string | null;
  emails: { email: string; type: string; is_unsubscribed?: boolean }[];
  phones: { phone: string; type: string }[];
}
interface Lead {
  id: string;
  display_name: string;
  status_label: string;
  description: string | null;
  url: string | null;
  date_created: string;
  date_updated: string;
  contacts: Contact[];
  [key: string]: unknown;
}
interface Activity {
  id: string;
  subject: string;
  status: string;
  to: string[];
  date_created: string;
  bulk_email_action_id?: string | null;
}
interface Event {
  id: string;
  action: string;
  object_type: string;
  object_id: string;
  date_created: string;
}

const show = (v: unknown) => (v === null || v === undefined || v === '' ? '—' : Array.isArray(v) ? v.join(', ') : String(v));

export function LeadPage({ id }: { id: string }) {
  const lead = useQuery({ queryKey: ['lead', id], queryFn: () => api<Lead>('GET', `lead/${id}/`) });
  const fields = useCustomFields('lead');
  const activities = useQuery({ queryKey: ['lead-activities', id], queryFn: () => api<{ data: Activity[] }>('GET', `activity/email/?lead_id=${id}&_limit=50`) });
  const events = useQuery({ queryKey: ['lead-events', id], queryFn: () => api<{ data: Event[] }>('GET', `event/?lead_id=${id}&_limit=50`) });
  const l = lead.data;
  return (
    <>
      <p>
        <a href={href('leads')}>← Leads</a>
      </p>
      <h1>{l ? l.display_name || l.id : 'Lead'}</h1>
      <FormErrors error={lead.error} />
      {l ? (
        <>
          <section aria-labelledby="lead-fields-heading" className="panel">
            <h2 id="lead-fields-heading">Fields</h2>
            <dl className="fields">
              <dt>Status</dt>
              <dd>{l.status_label}</dd>
              <dt>Description</dt>
              <dd>{show(l.description)}</dd>
              <dt>URL</dt>
              <dd>{show(l.url)}</dd>
              <dt>Created</dt>
              <dd>{new Date(l.date_created).toLocaleString()}</dd>
              <dt>Updated</dt>
              <dd>{new Date(l.date_updated).toLocaleString()}</dd>
              {(fields.data ?? []).map((f) => (
                <div key={f.id} className="contents">
                  <dt>{f.name}</dt>
                  <dd>{show(l[`custom.${f.id}`])}</dd>
                </div>
              ))}
            </dl>
          </section>
          <section aria-labelledby="contacts-heading">
            <h2 id="contacts-heading">Contacts ({l.contacts.length})</h2>
            <div className="table-wrap">
              <table className="stack">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Title</th>
                    <th scope="col">Emails</th>
                    <th scope="col">Phones</th>
                  </tr>
                </thead>
                <tbody>
                  {l.contacts.map((c) => (
                    <tr key={c.id}>
                      <td data-label="Name">{show(c.name)}</td>
                      <td data-label="Title">{show(c.title)}</td>
                      <td data-label="Emails">{c.emails.map((e) => `${e.email}${e.is_unsubscribed ? ' (unsubscribed)' : ''}`).join(', ') || '—'}</td>
                      <td data-label="Phones">{c.phones.map((p) => p.phone).join(', ') || '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
        </>
      ) : null}
      <section aria-labelledby="activities-heading">
        <h2 id="activities-heading">Email activities</h2>
        <FormErrors error={activities.error} />
        {activities.data?.data.length === 0 ? <p>No emails.</p> : null}
        <ul>
          {(activities.data?.data ?? []).map((a) => (
            <li key={a.id}>
              {new Date(a.date_created).toLocaleString()} · <strong>{a.subject}</strong> to {a.to.join(', ')} · {a.status}
              {a.bulk_email_action_id ? (
                <>
                  {' '}
                  · <a href={href(`bulk/email/${a.bulk_email_action_id}`)}>bulk email</a>
                </>
              ) : null}
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="events-heading">
        <h2 id="events-heading">Events</h2>
        <FormErrors error={events.error} />
        {events.data?.data.length === 0 ? <p>No events.</p> : null}
        <ul>
          {(events.data?.data ?? []).map((e) => (
            <li key={e.id}>
              {new Date(e.date_created).toLocaleString()} · {e.object_type} {e.action} <code>{e.object_id}</code>
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}
