/**
 * One bulk action: its parameters, live progress and controls, and each lead's outcome
 * (`/items/`), filterable by outcome and downloadable as CSV.
 */
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../api/client.ts';
import { ActionButtons, Progress, StatusPill } from '../bulk/action-controls.tsx';
import { describeAction, KIND_LABELS, type BulkKind } from '../bulk/kinds.ts';
import { useBulkAction, useRates } from '../bulk/use-bulk.ts';
import { useNames } from '../bulk/use-names.ts';
import { Field, FormErrors } from '../components/form.tsx';
import { href } from '../router.ts';

interface Item {
  lead_id: string;
  position: number;
  status: string;
  reason: string | null;
  n_objects: number | null;
  date_updated: string | null;
}

const OUTCOMES = ['', 'done', 'skipped', 'failed', 'pending'];
const PAGE = 50;

function csvCell(value: unknown): string {
  const s = value === null || value === undefined ? '' : String(value);
  // Quote everything; a leading formula character is defused for spreadsheets.
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return `"${safe.replace(/"/g, '""')}"`;
}

async function downloadCsv(kind: string, id: string, status: string): Promise<void> {
  const rows: Item[] = [];
  for (let skip = 0; ; skip += 100) {
    const filter = status ? `&status=${status}` : '';
    const page = await api<{ data: Item[]; has_more: boolean }>('GET', `bulk_action/${kind}/${id}/items/?_limit=100&_skip=${skip}${filter}`);
    rows.push(...page.data);
    if (!page.has_more || page.data.length === 0) break;
  }
  const header = ['position', 'lead_id', 'status', 'reason', 'n_objects', 'date_updated'] as const;
  const text = [header.join(','), ...rows.map((r) => header.map((h) => csvCell(r[h])).join(','))].join('\r\n') + '\r\n';
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = `${id}${status ? `-${status}` : ''}-items.csv`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function BulkActionPage({ kind, id }: { kind: string; id: string }) {
  const action = useBulkAction(kind, id);
  const names = useNames();
  const rates = useRates(action.data ? [action.data] : undefined);
  const [outcome, setOutcome] = useState('');
  const [skip, setSkip] = useState(0);
  const [csvError, setCsvError] = useState<unknown>(null);
  // Keyed on the action's progress: items are read again whenever the polled action moves on, and
  // a page read while it was still loading is never shown once it is done.
  const progress = action.data ? `${action.data.status}:${action.data.n_leads_processed ?? 0}` : '';
  const items = useQuery({
    queryKey: ['bulk', 'items', kind, id, outcome, skip, progress],
    enabled: progress !== '',
    queryFn: () => api<{ data: Item[]; has_more: boolean }>('GET', `bulk_action/${kind}/${id}/items/?_limit=${PAGE}&_skip=${skip}${outcome ? `&status=${outcome}` : ''}`),
    placeholderData: (previous, query) => (query && query.queryKey[4] === outcome && query.queryKey[5] === skip ? previous : undefined),
  });
  const a = action.data;
  return (
    <>
      <p>
        <a href={href('bulk')}>← All bulk actions</a>
      </p>
      <h1>
        {KIND_LABELS[kind as BulkKind] ?? kind} <code>{id}</code>
      </h1>
      <FormErrors error={action.error} />
      {a ? (
        <section className="panel" aria-labelledby="action-heading">
          <h2 id="action-heading">
            <StatusPill status={a.status} /> {describeAction(a, names)}
          </h2>
          <div data-testid="action-status" data-status={a.status} className="visually-hidden">
            {a.status}
          </div>
          <Progress action={a} rate={rates[a.id] ?? null} />
          <ActionButtons action={a} />
          <details>
            <summary>Filter (s_query) and settings</summary>
            <pre>{JSON.stringify({ s_query: a.s_query, sort: a.sort, results_limit: a.results_limit, send_done_email: a.send_done_email }, null, 2)}</pre>
          </details>
        </section>
      ) : null}
      <section aria-labelledby="items-heading">
        <h2 id="items-heading">What happened to each lead</h2>
        <div className="row">
          <Field label="Outcome">
            {(p) => (
              <select
                {...p}
                value={outcome}
                onChange={(e) => {
                  setOutcome(e.target.value);
                  setSkip(0);
                }}
              >
                {OUTCOMES.map((o) => (
                  <option key={o} value={o}>
                    {o === '' ? 'any outcome' : o}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setCsvError(null);
              downloadCsv(kind, id, outcome).catch(setCsvError);
            }}
          >
            Download CSV
          </button>
        </div>
        <FormErrors error={items.error ?? csvError} />
        <div className="table-wrap">
          <table className="stack">
            <caption>Items {skip + 1}–{skip + (items.data?.data.length ?? 0)}</caption>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Lead</th>
                <th scope="col">Outcome</th>
                <th scope="col">Reason</th>
                <th scope="col">Objects</th>
              </tr>
            </thead>
            <tbody>
              {(items.data?.data ?? []).map((item) => (
                <tr key={item.position} data-testid="item-row" data-status={item.status}>
                  <td data-label="#">{item.position + 1}</td>
                  <td data-label="Lead">{kind === 'delete' && item.status === 'done' ? <code>{item.lead_id}</code> : <a href={href(`leads/${item.lead_id}`)}>{item.lead_id}</a>}</td>
                  <td data-label="Outcome">{item.status}</td>
                  <td data-label="Reason">{item.reason ?? ''}</td>
                  <td data-label="Objects">{item.n_objects ?? ''}</td>
                </tr>
              ))}
              {items.data?.data.length === 0 ? (
                <tr>
                  <td colSpan={5}>No items{outcome ? ` with outcome ${outcome}` : ''}.</td>
                </tr>
              ) : null}
            </tbody>
          </table>
        </div>
        <nav className="toolbar" aria-label="Item pages">
          <button type="button" className="secondary" disabled={skip === 0} onClick={() => setSkip(Math.max(0, skip - PAGE))}>
            Previous items
          </button>
          <button type="button" className="secondary" disabled={!items.data?.has_more} onClick={() => setSkip(skip + PAGE)}>
            Next items
          </button>
        </nav>
      </section>
    </>
  );
}
