/** Every bulk action of every kind, newest first, live while any is running. */
import { ActionButtons, Progress, StatusPill } from '../bulk/action-controls.tsx';
import { describeAction, KIND_LABELS } from '../bulk/kinds.ts';
import { useBulkActions, useRates } from '../bulk/use-bulk.ts';
import { useNames } from '../bulk/use-names.ts';
import { FormErrors } from '../components/form.tsx';
import { href } from '../router.ts';

export function BulkActionsPage() {
  const actions = useBulkActions();
  const names = useNames();
  const rates = useRates(actions.data);
  return (
    <>
      <h1>Bulk actions</h1>
      <p className="muted">
        Start one from the <a href={href('leads')}>leads page</a> on the current filter.
      </p>
      <FormErrors error={actions.error} />
      {actions.data?.length === 0 ? <p>No bulk actions yet.</p> : null}
      <div className="table-wrap">
        <table className="stack">
          <caption>Newest first; refreshed every two seconds while one runs</caption>
          <thead>
            <tr>
              <th scope="col">Action</th>
              <th scope="col">Status</th>
              <th scope="col">Progress</th>
              <th scope="col">Started</th>
              <th scope="col">Control</th>
            </tr>
          </thead>
          <tbody>
            {(actions.data ?? []).map((a) => (
              <tr key={a.id} data-testid="bulk-row" data-id={a.id} data-status={a.status}>
                <td data-label="Action">
                  <a href={href(`bulk/${a.kind}/${a.id}`)}>{KIND_LABELS[a.kind]}</a>
                  <div>{describeAction(a, names)}</div>
                </td>
                <td data-label="Status">
                  <StatusPill status={a.status} />
                </td>
                <td data-label="Progress">
                  <Progress action={a} rate={rates[a.id] ?? null} />
                </td>
                <td data-label="Started">{new Date(a.date_created).toLocaleString()}</td>
                <td data-label="Control">
                  <ActionButtons action={a} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
