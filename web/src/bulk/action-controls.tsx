/** One action's status, progress bar with counts and rate, time left when paused, and its buttons. */
import { errorText } from '../api/client.ts';
import { canMove, formatDuration, type KindedAction } from './kinds.ts';
import { useMoveAction } from './use-bulk.ts';

export function StatusPill({ status }: { status: string }) {
  return <span className={`status-pill status-${status}`}>{status}</span>;
}

export function Progress({ action, rate }: { action: KindedAction; rate: number | null }) {
  const total = action.n_leads ?? 0;
  const done = action.n_leads_processed ?? 0;
  const label = `${done.toLocaleString('en-US')} of ${total ? total.toLocaleString('en-US') : '…'} leads`;
  return (
    <div className="progress">
      <progress max={total || 1} value={total ? done : 0} aria-label={`Progress of ${action.id}`} aria-valuetext={label} />
      <div className="muted" data-testid="progress-text">
        {label}
        {action.n_objects !== null && action.n_objects !== undefined && action.kind !== 'delete' && action.kind !== 'edit'
          ? ` · ${(action.n_objects_processed ?? 0).toLocaleString('en-US')} of ${action.n_objects.toLocaleString('en-US')} ${action.kind === 'email' ? 'emails' : 'contacts'}`
          : ''}
        {rate !== null ? ` · ${rate.toFixed(rate < 10 ? 1 : 0)} leads/s` : ''}
      </div>
      {action.status === 'paused' && action.resumable_until ? (
        <div data-testid="time-left">Can be resumed for another {formatDuration(Date.parse(action.resumable_until) - Date.now())}</div>
      ) : null}
      {action.error_message ? <div className="field-error">{action.error_message}</div> : null}
    </div>
  );
}

export function ActionButtons({ action }: { action: KindedAction }) {
  const move = useMoveAction();
  const busy = move.isPending;
  const name = action.id;
  return (
    <div className="toolbar">
      <button type="button" className="secondary" disabled={busy || !canMove(action, 'paused')} onClick={() => move.mutate({ action, status: 'paused' })} aria-label={`Pause ${name}`}>
        Pause
      </button>
      <button type="button" className="secondary" disabled={busy || !canMove(action, 'resuming')} onClick={() => move.mutate({ action, status: 'resuming' })} aria-label={`Resume ${name}`}>
        Resume
      </button>
      <button type="button" className="secondary" disabled={busy || !canMove(action, 'cancelled')} onClick={() => move.mutate({ action, status: 'cancelled' })} aria-label={`Cancel ${name}`}>
        Cancel
      </button>
      {move.error ? (
        <span className="field-error" role="alert">
          {errorText(move.error)}
        </span>
      ) : null}
    </div>
  );
}
