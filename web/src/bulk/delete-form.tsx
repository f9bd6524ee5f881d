/**
 * Bulk delete: the exact count of leads the filter matches now, and a Delete button that stays
 * disabled until that number is typed.
 */
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../api/client.ts';
import { Field, FormErrors } from '../components/form.tsx';
import { LaunchFooter, submitHandler, useStartBulk, type LaunchProps } from './launcher.tsx';

export function DeleteForm(props: LaunchProps) {
  const start = useStartBulk('delete', props);
  const [typed, setTyped] = useState('');
  const [sendDone, setSendDone] = useState(true);
  // Counted afresh when the dialog opens, not taken from the table (which may be a moment old).
  const count = useQuery({
    queryKey: ['delete-count', JSON.stringify(props.query)],
    queryFn: () => api<{ count: { total: number } }>('POST', 'data/search/', { body: { query: props.query, include_counts: true, _limit: 1, _fields: { lead: ['id'] } } }),
    staleTime: 0,
  });
  const total = count.data?.count.total;
  const confirmed = total !== undefined && typed.trim() === String(total);
  return (
    <form onSubmit={submitHandler(() => confirmed && start.mutate({ send_done_email: sendDone }))}>
      <FormErrors error={count.error} />
      {total === undefined ? (
        <p>Counting the matching leads…</p>
      ) : (
        <p className="error-box" data-testid="delete-count">
          This deletes <strong>{total.toLocaleString('en-US')}</strong> lead{total === 1 ? '' : 's'} and all their contacts. It cannot be undone.
        </p>
      )}
      <Field label={`Type ${total ?? 'the number of leads'} to confirm`}>
        {(p) => <input {...p} type="text" inputMode="numeric" autoComplete="off" value={typed} onChange={(e) => setTyped(e.target.value)} />}
      </Field>
      <LaunchFooter
        error={start.error}
        shown={[]}
        pending={start.isPending}
        label={total === undefined ? 'Delete leads' : `Delete ${total} leads`}
        disabled={!confirmed}
        sendDone={sendDone}
        onSendDone={setSendDone}
        danger
      />
    </form>
  );
}
