/** Bulk sequence subscription: subscribe (sequence, sender, contact preference), pause, resume, resume finished. */
import { useState } from 'react';
import { useAccounts, useSequences } from '../api/hooks.ts';
import { Field, fieldError } from '../components/form.tsx';
import { LaunchFooter, submitHandler, useStartBulk, type LaunchProps } from './launcher.tsx';

const ACTIONS = [
  ['subscribe', 'Subscribe to a sequence'],
  ['pause', 'Pause their subscriptions'],
  ['resume', 'Resume their paused subscriptions'],
  ['resume_finished', 'Resume their finished subscriptions'],
] as const;
const SHOWN = ['action_type', 'sequence_id', 'sender_account_id', 'sender_name', 'sender_email', 'contact_preference'];

export function SequenceForm(props: LaunchProps) {
  const start = useStartBulk('sequence_subscription', props);
  const sequences = useSequences();
  const accounts = useAccounts();
  const [actionType, setActionType] = useState('subscribe');
  const [sequenceId, setSequenceId] = useState('');
  const [accountId, setAccountId] = useState('');
  const [senderName, setSenderName] = useState('');
  const [senderEmail, setSenderEmail] = useState('');
  const [preference, setPreference] = useState('lead');
  const [sendDone, setSendDone] = useState(true);
  const err = (path: string) => fieldError(start.error, path);
  const account = accounts.data?.find((a) => a.id === accountId);

  const submit = () => {
    const body: Record<string, unknown> = { action_type: actionType, send_done_email: sendDone };
    if (sequenceId) body.sequence_id = sequenceId;
    if (actionType === 'subscribe') {
      Object.assign(body, { sender_account_id: accountId, sender_name: senderName, sender_email: senderEmail || account?.email || '', contact_preference: preference });
    }
    start.mutate(body);
  };

  return (
    <form onSubmit={submitHandler(submit)}>
      <p>Applies to the {props.count ?? '…'} leads the current filter matches.</p>
      <Field label="Action (action_type)" error={err('action_type')}>
        {(p) => (
          <select {...p} value={actionType} onChange={(e) => setActionType(e.target.value)}>
            {ACTIONS.map(([v, l]) => (
              <option key={v} value={v}>
                {l}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label={actionType === 'subscribe' ? 'Sequence' : 'Sequence (optional: all sequences)'} error={err('sequence_id')}>
        {(p) => (
          <select {...p} value={sequenceId} onChange={(e) => setSequenceId(e.target.value)}>
            <option value="">{actionType === 'subscribe' ? 'Choose a sequence…' : 'Any sequence'}</option>
            {(sequences.data ?? []).map((s) => (
              <option key={s.id} value={s.id}>
                {s.name} ({s.status})
              </option>
            ))}
          </select>
        )}
      </Field>
      {actionType === 'subscribe' ? (
        <>
          <Field label="Sender account" error={err('sender_account_id')}>
            {(p) => (
              <select {...p} value={accountId} onChange={(e) => setAccountId(e.target.value)}>
                <option value="">Choose an account…</option>
                {(accounts.data ?? []).map((a) => (
                  <option key={a.id} value={a.id}>
                    {a.email}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Sender name" error={err('sender_name')}>
            {(p) => <input {...p} type="text" value={senderName} onChange={(e) => setSenderName(e.target.value)} />}
          </Field>
          <Field label="Sender email" error={err('sender_email')} hint="The account's address or one of its identities; empty: the account's address.">
            {(p) => <input {...p} type="email" value={senderEmail} placeholder={account?.email ?? ''} onChange={(e) => setSenderEmail(e.target.value)} />}
          </Field>
          <Field label="Contacts (contact_preference)" error={err('contact_preference')}>
            {(p) => (
              <select {...p} value={preference} onChange={(e) => setPreference(e.target.value)}>
                <option value="lead">the first contact with an email of each lead</option>
                <option value="contact">every contact with an email</option>
              </select>
            )}
          </Field>
        </>
      ) : null}
      <LaunchFooter error={start.error} shown={SHOWN} pending={start.isPending} label="Start sequence subscription" sendDone={sendDone} onSendDone={setSendDone} />
    </form>
  );
}
