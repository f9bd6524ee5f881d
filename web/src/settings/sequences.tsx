/** Sequences: name, status, timezone, sending schedule and steps, read and edited. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../api/client.ts';
import { useSequences, useTemplates, type Sequence } from '../api/hooks.ts';
import { submitHandler } from '../bulk/launcher.tsx';
import { Field, fieldError, FormErrors } from '../components/form.tsx';

interface Range {
  weekday: number;
  start: string;
  end: string;
}
interface Step {
  id?: string;
  step_type: 'email' | 'call';
  delay: number;
  email_template_id: string | null;
  threading: 'old_thread' | 'new_thread' | null;
}
interface Draft {
  name: string;
  status: string;
  timezone: string;
  scheduled: boolean;
  ranges: Range[];
  steps: Step[];
}

const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const NEW = '__new__';
/** Error paths that have a control of their own in this form. */
const SHOWN_PATH = /^(?:name|status|timezone|schedule\.ranges\.\d+\.(?:weekday|start|end)|steps\.\d+\.(?:step_type|delay|email_template_id|threading))$/;

function draftOf(s?: Sequence): Draft {
  const schedule = s?.schedule as { ranges: Range[] } | null | undefined;
  return {
    name: s?.name ?? '',
    status: s?.status ?? 'draft',
    timezone: (s?.timezone as string | undefined) ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC',
    scheduled: Boolean(schedule),
    ranges: schedule?.ranges ?? [1, 2, 3, 4, 5].map((weekday) => ({ weekday, start: '09:00', end: '17:00' })),
    steps: ((s?.steps as Step[] | undefined) ?? []).map((st) => ({ id: st.id, step_type: st.step_type, delay: st.delay, email_template_id: st.email_template_id, threading: st.threading })),
  };
}

function bodyOf(d: Draft) {
  return {
    name: d.name,
    status: d.status,
    timezone: d.timezone,
    schedule: d.scheduled ? { ranges: d.ranges } : null,
    steps: d.steps.map((s) => ({ ...(s.id ? { id: s.id } : {}), step_type: s.step_type, delay: s.delay, email_template_id: s.step_type === 'email' ? s.email_template_id : null, threading: s.step_type === 'email' ? s.threading : null })),
  };
}

export function SequencesSettings() {
  const sequences = useSequences();
  const [selected, setSelected] = useState('');
  // Kept here: saving a new sequence swaps its editor for the stored one's.
  const [notice, setNotice] = useState('');
  const current = sequences.data?.find((s) => s.id === selected);
  return (
    <>
      <h2>Sequences</h2>
      <FormErrors error={sequences.error} />
      <div className="row">
        <Field label="Sequence">
          {(p) => (
            <select {...p} value={selected} onChange={(e) => setSelected(e.target.value)}>
              <option value="">Choose a sequence…</option>
              {(sequences.data ?? []).map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name} ({s.status})
                </option>
              ))}
            </select>
          )}
        </Field>
        <button type="button" className="secondary" onClick={() => setSelected(NEW)}>
          New sequence
        </button>
      </div>
      <p role="status" className="muted">
        {notice}
      </p>
      {selected === NEW ? (
        <SequenceEditor
          key={NEW}
          onSaved={(s) => {
            setNotice(`Saved “${s.name}”.`);
            setSelected(s.id);
          }}
        />
      ) : null}
      {current ? (
        <>
          <SequenceEditor key={current.id} sequence={current} onSaved={(s) => setNotice(`Saved “${s.name}”.`)} />
          <DeleteSequence
            key={`delete-${current.id}`}
            id={current.id}
            name={current.name}
            onDeleted={() => {
              setNotice(`Deleted “${current.name}”.`);
              setSelected('');
            }}
          />
        </>
      ) : null}
    </>
  );
}

function SequenceEditor({ sequence, onSaved }: { sequence?: Sequence; onSaved: (s: Sequence) => void }) {
  const queryClient = useQueryClient();
  const templates = useTemplates();
  const [draft, setDraft] = useState<Draft>(draftOf(sequence));
  const save = useMutation({
    mutationFn: () => (sequence ? api<Sequence>('PUT', `sequence/${sequence.id}/`, { body: bodyOf(draft) }) : api<Sequence>('POST', 'sequence/', { body: bodyOf(draft) })),
    onSuccess: async (s) => {
      setDraft(draftOf(s));
      await queryClient.invalidateQueries({ queryKey: ['sequences'] });
      onSaved(s);
    },
  });
  const err = (p: string) => fieldError(save.error, p);
  const setRange = (i: number, r: Partial<Range>) => setDraft({ ...draft, ranges: draft.ranges.map((x, j) => (j === i ? { ...x, ...r } : x)) });
  const setStep = (i: number, s: Partial<Step>) => setDraft({ ...draft, steps: draft.steps.map((x, j) => (j === i ? { ...x, ...s } : x)) });
  const counts = sequence?.subscription_counts_by_status as Record<string, number> | undefined;
  return (
    <form onSubmit={submitHandler(() => save.mutate())} aria-label={sequence ? `Edit sequence ${sequence.name}` : 'New sequence'}>
      {counts ? <p className="muted">Subscriptions: {Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}</p> : null}
      <div className="row">
        <Field label="Name" error={err('name')}>
          {(p) => <input {...p} type="text" value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} />}
        </Field>
        <Field label="Status" error={err('status')}>
          {(p) => (
            <select {...p} value={draft.status} onChange={(e) => setDraft({ ...draft, status: e.target.value })}>
              <option value="active">active (sends)</option>
              <option value="paused">paused</option>
              <option value="draft">draft</option>
            </select>
          )}
        </Field>
        <Field label="Time zone (IANA)" error={err('timezone')}>
          {(p) => <input {...p} type="text" value={draft.timezone} onChange={(e) => setDraft({ ...draft, timezone: e.target.value })} />}
        </Field>
      </div>
      <fieldset>
        <legend>Schedule</legend>
        <label className="checkbox">
          <input type="checkbox" checked={draft.scheduled} onChange={(e) => setDraft({ ...draft, scheduled: e.target.checked })} />
          Send only in these hours (otherwise any time)
        </label>
        {draft.scheduled
          ? draft.ranges.map((r, i) => (
              <div className="row" key={i} data-testid="range-row">
                <Field label={`Range ${i + 1} day`} error={err(`schedule.ranges.${i}.weekday`)}>
                  {(p) => (
                    <select {...p} value={r.weekday} onChange={(e) => setRange(i, { weekday: Number(e.target.value) })}>
                      {WEEKDAYS.map((d, k) => (
                        <option key={d} value={k + 1}>
                          {d}
                        </option>
                      ))}
                    </select>
                  )}
                </Field>
                <Field label={`Range ${i + 1} from`} error={err(`schedule.ranges.${i}.start`)}>
                  {(p) => <input {...p} type="time" value={r.start} onChange={(e) => setRange(i, { start: e.target.value })} />}
                </Field>
                <Field label={`Range ${i + 1} until`} error={err(`schedule.ranges.${i}.end`)}>
                  {(p) => <input {...p} type="time" value={r.end} onChange={(e) => setRange(i, { end: e.target.value })} />}
                </Field>
                <button type="button" className="secondary" onClick={() => setDraft({ ...draft, ranges: draft.ranges.filter((_, j) => j !== i) })}>
                  Remove range {i + 1}
                </button>
              </div>
            ))
          : null}
        {draft.scheduled ? (
          <button type="button" className="secondary" onClick={() => setDraft({ ...draft, ranges: [...draft.ranges, { weekday: 1, start: '09:00', end: '17:00' }] })}>
            Add range
          </button>
        ) : null}
      </fieldset>
      <fieldset>
        <legend>Steps</legend>
        {draft.steps.map((s, i) => (
          <div className="row" key={s.id ?? `new-${i}`} data-testid="step-row">
            <Field label={`Step ${i + 1} type`} error={err(`steps.${i}.step_type`)}>
              {(p) => (
                <select {...p} value={s.step_type} onChange={(e) => setStep(i, { step_type: e.target.value as 'email' | 'call' })}>
                  <option value="email">email</option>
                  <option value="call">call (stored, skipped when run)</option>
                </select>
              )}
            </Field>
            <Field label={`Step ${i + 1} delay (hours after the previous step)`} error={err(`steps.${i}.delay`)}>
              {(p) => <input {...p} type="number" min={0} step="any" value={s.delay / 3600} onChange={(e) => setStep(i, { delay: Math.max(0, Math.round(Number(e.target.value) * 3600)) })} />}
            </Field>
            {s.step_type === 'email' ? (
              <>
                <Field label={`Step ${i + 1} template`} error={err(`steps.${i}.email_template_id`)}>
                  {(p) => (
                    <select {...p} value={s.email_template_id ?? ''} onChange={(e) => setStep(i, { email_template_id: e.target.value || null })}>
                      <option value="">Choose a template…</option>
                      {(templates.data ?? []).map((t) => (
                        <option key={t.id} value={t.id}>
                          {t.name}
                        </option>
                      ))}
                    </select>
                  )}
                </Field>
                <Field label={`Step ${i + 1} threading`} error={err(`steps.${i}.threading`)}>
                  {(p) => (
                    <select {...p} value={s.threading ?? 'new_thread'} onChange={(e) => setStep(i, { threading: e.target.value as 'old_thread' | 'new_thread' })}>
                      <option value="new_thread">new thread</option>
                      <option value="old_thread">reply in the previous thread</option>
                    </select>
                  )}
                </Field>
              </>
            ) : null}
            <button type="button" className="secondary" onClick={() => setDraft({ ...draft, steps: draft.steps.filter((_, j) => j !== i) })}>
              Remove step {i + 1}
            </button>
          </div>
        ))}
        <button type="button" className="secondary" onClick={() => setDraft({ ...draft, steps: [...draft.steps, { step_type: 'email', delay: draft.steps.length === 0 ? 0 : 86400, email_template_id: null, threading: 'new_thread' }] })}>
          Add step
        </button>
      </fieldset>
      <FormErrors error={save.error} shown={Object.keys((save.error as { fieldErrors?: object } | null)?.fieldErrors ?? {}).filter((k) => SHOWN_PATH.test(k))} />
      <div className="toolbar">
        <button type="submit" disabled={save.isPending}>
          {sequence ? 'Save sequence' : 'Create sequence'}
        </button>
      </div>
    </form>
  );
}

/** Deletes the sequence after a second, explicit click. */
function DeleteSequence({ id, name, onDeleted }: { id: string; name: string; onDeleted: () => void }) {
  const queryClient = useQueryClient();
  const [confirm, setConfirm] = useState(false);
  const remove = useMutation({
    mutationFn: () => api('DELETE', `sequence/${id}/`),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['sequences'] });
      onDeleted();
    },
  });
  return (
    <div className="toolbar">
      {confirm ? (
        <>
          <button type="button" className="danger" onClick={() => remove.mutate()}>
            Yes, delete “{name}”
          </button>
          <button type="button" className="secondary" onClick={() => setConfirm(false)}>
            Keep it
          </button>
        </>
      ) : (
        <button type="button" className="secondary" onClick={() => setConfirm(true)}>
          Delete sequence
        </button>
      )}
      <FormErrors error={remove.error} />
    </div>
  );
}
