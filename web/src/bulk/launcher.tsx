/**
 * Starting a bulk action on the leads page's current filter: one dialog per kind. Each form keeps
 * what was typed when the API refuses it, and shows each `field-errors` entry next to its control.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import { api } from '../api/client.ts';
import { Dialog } from '../components/dialog.tsx';
import { FormErrors } from '../components/form.tsx';
import type { SortSpec } from '../pages/leads.tsx';
import { navigate } from '../router.ts';
import { DeleteForm } from './delete-form.tsx';
import { EditForm } from './edit-form.tsx';
import { EmailForm } from './email-form.tsx';
import type { BulkAction, BulkKind } from './kinds.ts';
import { SequenceForm } from './sequence-form.tsx';

export interface LaunchProps {
  readonly query: unknown;
  readonly sort: SortSpec;
  readonly count: number | undefined;
}

/** The POST that starts an action of `kind` on the filter; on success, the action's page. */
export function useStartBulk(kind: BulkKind, { query, sort }: LaunchProps) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: Record<string, unknown>) => api<BulkAction>('POST', `bulk_action/${kind}/`, { body: { s_query: query, sort, ...body } }),
    onSuccess: async (action) => {
      await queryClient.invalidateQueries({ queryKey: ['bulk'] });
      navigate(`bulk/${kind}/${action.id}`);
    },
  });
}

/** The part every kind shares: `send_done_email`, the submit button, errors not tied to a control. */
export function LaunchFooter({ error, shown, pending, label, disabled, sendDone, onSendDone, danger }: {
  error: unknown;
  shown: readonly string[];
  pending: boolean;
  label: string;
  disabled?: boolean;
  sendDone: boolean;
  onSendDone: (v: boolean) => void;
  danger?: boolean;
}) {
  return (
    <>
      <div className="field">
        <label className="checkbox">
          <input type="checkbox" checked={sendDone} onChange={(e) => onSendDone(e.target.checked)} />
          Email me when it is done (send_done_email)
        </label>
      </div>
      <FormErrors error={error} shown={shown} />
      <div className="toolbar">
        <button type="submit" className={danger ? 'danger' : undefined} disabled={pending || disabled}>
          {pending ? 'Starting…' : label}
        </button>
      </div>
    </>
  );
}

export function submitHandler(fn: () => void) {
  return (e: FormEvent) => {
    e.preventDefault();
    fn();
  };
}

const FORMS: Record<BulkKind, { button: string; title: string; render: (p: LaunchProps) => ReactNode }> = {
  edit: { button: 'Bulk edit…', title: 'Bulk edit the matching leads', render: (p) => <EditForm {...p} /> },
  email: { button: 'Send bulk email…', title: 'Send an email to the matching leads', render: (p) => <EmailForm {...p} /> },
  sequence_subscription: { button: 'Sequence subscription…', title: 'Subscribe the matching leads to a sequence', render: (p) => <SequenceForm {...p} /> },
  delete: { button: 'Delete leads…', title: 'Delete the matching leads', render: (p) => <DeleteForm {...p} /> },
};

export function BulkLauncher(props: LaunchProps) {
  const [open, setOpen] = useState<BulkKind | null>(null);
  return (
    <section className="panel" aria-labelledby="bulk-heading">
      <h2 id="bulk-heading">Bulk actions on the matching leads</h2>
      <div className="bulk-launcher">
        {(Object.keys(FORMS) as BulkKind[]).map((kind) => (
          <button key={kind} type="button" className={kind === 'delete' ? 'danger' : 'secondary'} onClick={() => setOpen(kind)}>
            {FORMS[kind].button}
          </button>
        ))}
      </div>
      {(Object.keys(FORMS) as BulkKind[]).map((kind) => (
        <Dialog key={kind} open={open === kind} title={FORMS[kind].title} onClose={() => setOpen(null)}>
          {FORMS[kind].render(props)}
        </Dialog>
      ))}
    </section>
  );
}
