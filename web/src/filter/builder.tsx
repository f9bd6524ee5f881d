/**
 * The filter builder: nested `and`/`or` groups (each may be negated) of conditions, free text, and
 * clauses kept as JSON. It edits a `Group` (model.ts) and never the JSON directly, so whatever it
 * cannot show survives untouched in `raw` nodes.
 *
 * API errors name JSON paths (`query.queries.2.condition.value`); each node knows its own path and
 * shows the errors under it next to its controls.
 */
import { useEffect, useId, useState } from 'react';
import { userName, type Status, type User } from '../api/hooks.ts';
import { Field } from '../components/form.tsx';
import { CONDITION_LABELS, CONDITIONS_BY_KIND, defaultCondition, fieldKey, type FieldOption } from './fields.ts';
import { emptyGroup, nodeFromJson, TEXT_MODES, type Condition, type FilterNode, type Group, type TextMode } from './model.ts';
import { MomentInput } from './moment-input.tsx';
import { RawEditor } from './raw-editor.tsx';

export interface BuilderContext {
  readonly fields: readonly FieldOption[];
  readonly statuses: readonly Status[];
  readonly users: readonly User[];
  /** Field errors of the last search, keyed by JSON path. */
  readonly errors: Readonly<Record<string, string>>;
}

const TEXT_FIELD_KEY = 'text';

const MODE_LABELS: Record<TextMode, string> = {
  beginning_of_words: 'words starting with',
  full_words: 'whole words',
  phrase: 'phrase',
  exact_value: 'exactly',
};

function errorsUnder(errors: Readonly<Record<string, string>>, path: string): string | undefined {
  const found = Object.entries(errors).filter(([k]) => k === path || k.startsWith(`${path}.`));
  return found.length > 0 ? found.map(([, v]) => v).join(' ') : undefined;
}

export function newCondition(fields: readonly FieldOption[]): FilterNode {
  const first = fields.find((f) => f.field.type === 'regular_field' && f.field.field_name === 'name') ?? fields[0];
  if (!first) return { kind: 'text', negate: false, mode: 'beginning_of_words', value: '' };
  return { kind: 'condition', negate: false, via: first.via, field: first.field, condition: defaultCondition(CONDITIONS_BY_KIND[first.kind][0]!, first.kind) };
}

export function FilterBuilder({ root, onChange, ctx, basePath }: { root: Group; onChange: (g: Group) => void; ctx: BuilderContext; basePath: string }) {
  return (
    <GroupEditor
      group={root}
      onChange={(g) => onChange(g as Group)}
      ctx={ctx}
      path={basePath}
      // The root's clauses follow the implied object_type clause in the query JSON.
      childOffset={1}
      isRoot
    />
  );
}

interface GroupProps {
  readonly group: Group;
  readonly onChange: (node: FilterNode) => void;
  readonly onRemove?: () => void;
  readonly ctx: BuilderContext;
  readonly path: string;
  readonly childOffset?: number;
  readonly isRoot?: boolean;
}

function GroupEditor({ group, onChange, onRemove, ctx, path, childOffset = 0, isRoot = false }: GroupProps) {
  const setChild = (index: number, node: FilterNode | null) => {
    const children = [...group.children];
    if (node === null) children.splice(index, 1);
    else children[index] = node;
    onChange({ ...group, children });
  };
  return (
    <fieldset className="filter-group">
      <legend>{isRoot ? 'Leads matching all of these' : group.op === 'and' ? 'All of' : 'Any of'}</legend>
      {isRoot ? null : (
        <div className="row">
          <Field label="Group matches">
            {(p) => (
              <select {...p} value={group.op} onChange={(e) => onChange({ ...group, op: e.target.value as 'and' | 'or' })}>
                <option value="and">all of these (and)</option>
                <option value="or">any of these (or)</option>
              </select>
            )}
          </Field>
          <NegateBox checked={group.negate} onChange={(negate) => onChange({ ...group, negate })} label="Not (exclude what this group matches)" />
        </div>
      )}
      {group.children.length === 0 ? <p className="muted">No conditions: every lead matches.</p> : null}
      {group.children.map((child, i) => {
        const childPath = `${path}.queries.${i + childOffset}`;
        return child.kind === 'group' ? (
          <GroupEditor key={i} group={child} onChange={(n) => setChild(i, n)} onRemove={() => setChild(i, null)} ctx={ctx} path={childPath} />
        ) : (
          <LeafEditor key={i} node={child} onChange={(n) => setChild(i, n)} onRemove={() => setChild(i, null)} ctx={ctx} path={childPath} />
        );
      })}
      <div className="toolbar">
        <button type="button" className="secondary" onClick={() => onChange({ ...group, children: [...group.children, newCondition(ctx.fields)] })}>
          Add condition
        </button>
        <button type="button" className="secondary" onClick={() => onChange({ ...group, children: [...group.children, { ...emptyGroup('or'), children: [newCondition(ctx.fields)] }] })}>
          Add group
        </button>
        {onRemove ? (
          <button type="button" className="secondary" onClick={onRemove}>
            Remove group
          </button>
        ) : null}
      </div>
    </fieldset>
  );
}

function NegateBox({ checked, onChange, label }: { checked: boolean; onChange: (v: boolean) => void; label: string }) {
  const id = useId();
  return (
    <div className="field">
      <span className="checkbox">
        <input id={id} type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} />
        <label htmlFor={id}>{label}</label>
      </span>
    </div>
  );
}

interface LeafProps {
  readonly node: Exclude<FilterNode, { kind: 'group' }>;
  readonly onChange: (node: FilterNode) => void;
  readonly onRemove: () => void;
  readonly ctx: BuilderContext;
  readonly path: string;
}

function LeafEditor({ node, onChange, onRemove, ctx, path }: LeafProps) {
  const error = errorsUnder(ctx.errors, path);
  if (node.kind === 'raw') {
    return (
      <div className="filter-leaf" data-testid="raw-clause">
        <RawEditor json={node.json} onChange={(json) => onChange(nodeFromJson(json))} error={error} />
        <button type="button" className="secondary" onClick={onRemove}>
          Remove
        </button>
      </div>
    );
  }
  const selected = node.kind === 'text' ? TEXT_FIELD_KEY : fieldKey(node.via, node.field);
  const option = node.kind === 'condition' ? ctx.fields.find((f) => f.key === selected) : undefined;
  const chooseField = (key: string) => {
    if (key === TEXT_FIELD_KEY) return onChange({ kind: 'text', negate: node.negate, mode: 'beginning_of_words', value: '' });
    const f = ctx.fields.find((o) => o.key === key);
    if (!f) return;
    onChange({ kind: 'condition', negate: node.negate, via: f.via, field: f.field, condition: defaultCondition(CONDITIONS_BY_KIND[f.kind][0]!, f.kind) });
  };
  const groups = [...new Set(ctx.fields.map((f) => f.group))];
  return (
    <div className="filter-leaf" data-testid="condition">
      <Field label="Field" error={error}>
        {(p) => (
          <select {...p} value={selected} onChange={(e) => chooseField(e.target.value)}>
            <option value={TEXT_FIELD_KEY}>Any text (full-text search)</option>
            {/* A field the builder no longer lists (a deleted custom field) still shows. */}
            {node.kind === 'condition' && !option ? <option value={selected}>{selected}</option> : null}
            {groups.map((g) => (
              <optgroup key={g} label={g}>
                {ctx.fields
                  .filter((f) => f.group === g)
                  .map((f) => (
                    <option key={f.key} value={f.key}>
                      {f.label}
                    </option>
                  ))}
              </optgroup>
            ))}
          </select>
        )}
      </Field>
      {node.kind === 'text' ? (
        <TextInputs mode={node.mode} value={node.value} onChange={(mode, value) => onChange({ ...node, mode, value })} />
      ) : (
        <ConditionInputs
          option={option}
          condition={node.condition}
          statuses={ctx.statuses}
          users={ctx.users}
          onChange={(condition) => onChange({ ...node, condition })}
        />
      )}
      <NegateBox checked={node.negate} onChange={(negate) => onChange({ ...node, negate })} label="Not" />
      <button type="button" className="secondary" onClick={onRemove}>
        Remove
      </button>
    </div>
  );
}

function TextInputs({ mode, value, onChange }: { mode: TextMode; value: string; onChange: (mode: TextMode, value: string) => void }) {
  return (
    <>
      <Field label="Match">
        {(p) => (
          <select {...p} value={mode} onChange={(e) => onChange(e.target.value as TextMode, value)}>
            {TEXT_MODES.map((m) => (
              <option key={m} value={m}>
                {MODE_LABELS[m]}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Text">
        {(p) => <input {...p} type="text" value={value} onChange={(e) => onChange(mode, e.target.value)} />}
      </Field>
    </>
  );
}

function ConditionInputs({
  option,
  condition,
  statuses,
  users,
  onChange,
}: {
  option: FieldOption | undefined;
  condition: Condition;
  statuses: readonly Status[];
  users: readonly User[];
  onChange: (c: Condition) => void;
}) {
  const allowed = option ? CONDITIONS_BY_KIND[option.kind] : [condition.type];
  return (
    <>
      {allowed.length > 1 ? (
        <Field label="Condition">
          {(p) => (
            <select {...p} value={condition.type} onChange={(e) => onChange(defaultCondition(e.target.value as Condition['type'], option?.kind))}>
              {allowed.map((t) => (
                <option key={t} value={t}>
                  {CONDITION_LABELS[t]}
                </option>
              ))}
            </select>
          )}
        </Field>
      ) : null}
      <ConditionValue option={option} condition={condition} statuses={statuses} users={users} onChange={onChange} />
    </>
  );
}

function ConditionValue({
  option,
  condition,
  statuses,
  users,
  onChange,
}: {
  option: FieldOption | undefined;
  condition: Condition;
  statuses: readonly Status[];
  users: readonly User[];
  onChange: (c: Condition) => void;
}) {
  switch (condition.type) {
    case 'text':
      return <TextInputs mode={condition.mode} value={condition.value} onChange={(mode, value) => onChange({ ...condition, mode, value })} />;
    case 'term':
      return <TermInput choices={option?.choices} values={condition.values} onChange={(values) => onChange({ ...condition, values })} />;
    case 'reference':
      if (condition.reference_type === 'status.lead') {
        return (
          <fieldset className="status-choices">
            <legend>Statuses</legend>
            {statuses.map((s) => (
              <CheckboxItem
                key={s.id}
                label={s.label}
                checked={condition.object_ids.includes(s.id)}
                onChange={(on) =>
                  onChange({ ...condition, object_ids: on ? [...condition.object_ids, s.id] : condition.object_ids.filter((id) => id !== s.id) })
                }
              />
            ))}
          </fieldset>
        );
      }
      if (condition.reference_type === 'user' || condition.reference_type === 'user_or_group') {
        return (
          <fieldset>
            <legend>Users</legend>
            {users.map((u) => (
              <CheckboxItem
                key={u.id}
                label={userName(u)}
                checked={condition.object_ids.includes(u.id)}
                onChange={(on) => onChange({ ...condition, object_ids: on ? [...condition.object_ids, u.id] : condition.object_ids.filter((id) => id !== u.id) })}
              />
            ))}
          </fieldset>
        );
      }
      return (
        <Field label="IDs (comma-separated)">
          {(p) => <ListInput {...p} values={condition.object_ids} onChange={(object_ids) => onChange({ ...condition, object_ids })} />}
        </Field>
      );
    case 'number_range':
      return (
        <>
          {(['gte', 'lte'] as const).map((key) => (
            <Field key={key} label={key === 'gte' ? 'At least' : 'At most'}>
              {(p) => (
                <input
                  {...p}
                  type="number"
                  step="any"
                  value={condition.bounds[key] ?? ''}
                  onChange={(e) => onChange({ ...condition, bounds: { ...condition.bounds, [key]: e.target.value === '' ? null : Number(e.target.value) } })}
                />
              )}
            </Field>
          ))}
        </>
      );
    case 'moment_range':
      return (
        <>
          <MomentInput label="From (on or after)" moment={condition.on_or_after} onChange={(m) => onChange({ ...condition, on_or_after: m })} which="start" />
          <MomentInput label="Until (before)" moment={condition.before} onChange={(m) => onChange({ ...condition, before: m })} which="end" />
        </>
      );
    case 'boolean':
      return (
        <Field label="Value">
          {(p) => (
            <select {...p} value={String(condition.value)} onChange={(e) => onChange({ type: 'boolean', value: e.target.value === 'true' })}>
              <option value="true">yes</option>
              <option value="false">no</option>
            </select>
          )}
        </Field>
      );
    case 'exists':
    case 'current_user':
      return null;
  }
}

function CheckboxItem({ label, checked, onChange }: { label: string; checked: boolean; onChange: (on: boolean) => void }) {
  const id = useId();
  return (
    <span className="checkbox">
      <input id={id} type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} />
      <label htmlFor={id}>{label}</label>
    </span>
  );
}

function TermInput({ choices, values, onChange }: { choices: readonly string[] | undefined; values: readonly string[]; onChange: (v: string[]) => void }) {
  if (!choices || choices.length === 0) {
    return <Field label="Values (comma-separated)">{(p) => <ListInput {...p} values={values} onChange={onChange} />}</Field>;
  }
  return (
    <fieldset>
      <legend>Values</legend>
      {choices.map((c) => (
        <CheckboxItem key={c} label={c} checked={values.includes(c)} onChange={(on) => onChange(on ? [...values, c] : values.filter((v) => v !== c))} />
      ))}
    </fieldset>
  );
}

/** A comma-separated list, edited as text and kept as the user typed it until it changes. */
function ListInput({ values, onChange, ...rest }: { values: readonly string[]; onChange: (v: string[]) => void; id: string }) {
  const [text, setText] = useState(values.join(', '));
  useEffect(() => {
    setText((t) => (splitList(t).join('\u0000') === values.join('\u0000') ? t : values.join(', ')));
  }, [values]);
  return (
    <input
      {...rest}
      type="text"
      value={text}
      onChange={(e) => {
        setText(e.target.value);
        onChange(splitList(e.target.value));
      }}
    />
  );
}

const splitList = (text: string) => text.split(',').map((s) => s.trim()).filter((s) => s !== '');
