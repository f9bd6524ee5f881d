/** One end of a date range: no bound, a calendar date (start or end of day), now, or N units ago / from now. */
import { Field } from '../components/form.tsx';
import { OFFSET_UNITS, type Moment, type OffsetUnit } from './model.ts';

type MomentKind = 'none' | 'date' | 'relative' | 'now';

export function MomentInput({ label, moment, onChange, which }: { label: string; moment: Moment | null; onChange: (m: Moment | null) => void; which: 'start' | 'end' }) {
  const kind: MomentKind = moment === null ? 'none' : moment.type === 'fixed_local_date' ? 'date' : moment.type === 'offset' ? 'relative' : 'now';
  const setKind = (k: MomentKind) => {
    if (k === 'none') onChange(null);
    else if (k === 'now') onChange({ type: 'now' });
    else if (k === 'date') onChange({ type: 'fixed_local_date', value: new Date().toISOString().slice(0, 10), which: 'start' });
    else onChange({ type: 'offset', direction: 'past', unit: 'days', amount: 7, which_day_end: which === 'start' ? 'start' : null });
  };
  return (
    <fieldset className="moment">
      <legend>{label}</legend>
      <div className="row">
        <Field label="Kind">
          {(p) => (
            <select {...p} value={kind} onChange={(e) => setKind(e.target.value as MomentKind)}>
              <option value="none">no bound</option>
              <option value="date">a date</option>
              <option value="relative">relative to now</option>
              <option value="now">now</option>
            </select>
          )}
        </Field>
        {moment?.type === 'fixed_local_date' ? (
          <>
            <Field label="Date">{(p) => <input {...p} type="date" value={moment.value} onChange={(e) => onChange({ ...moment, value: e.target.value })} />}</Field>
            <Field label="Of the day">
              {(p) => (
                <select {...p} value={moment.which} onChange={(e) => onChange({ ...moment, which: e.target.value as 'start' | 'end' })}>
                  <option value="start">start</option>
                  <option value="end">end</option>
                </select>
              )}
            </Field>
          </>
        ) : null}
        {moment?.type === 'offset' ? (
          <>
            <Field label="Amount">
              {(p) => <input {...p} type="number" min={0} step={1} value={moment.amount} onChange={(e) => onChange({ ...moment, amount: Math.max(0, Math.trunc(Number(e.target.value) || 0)) })} />}
            </Field>
            <Field label="Unit">
              {(p) => (
                <select {...p} value={moment.unit} onChange={(e) => onChange({ ...moment, unit: e.target.value as OffsetUnit })}>
                  {OFFSET_UNITS.map((u) => (
                    <option key={u} value={u}>
                      {u}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label="Direction">
              {(p) => (
                <select {...p} value={moment.direction} onChange={(e) => onChange({ ...moment, direction: e.target.value as 'past' | 'future' })}>
                  <option value="past">ago</option>
                  <option value="future">from now</option>
                </select>
              )}
            </Field>
            <Field label="Day boundary">
              {(p) => (
                <select
                  {...p}
                  value={moment.which_day_end ?? 'exact'}
                  onChange={(e) => onChange({ ...moment, which_day_end: e.target.value === 'exact' ? null : (e.target.value as 'start' | 'end') })}
                >
                  <option value="exact">exact time</option>
                  <option value="start">start of that day</option>
                  <option value="end">end of that day</option>
                </select>
              )}
            </Field>
          </>
        ) : null}
      </div>
    </fieldset>
  );
}
