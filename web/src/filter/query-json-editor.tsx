/**
 * The current filter as `s_query` JSON (`query` and `sort`), editable: applying it rebuilds the
 * builder from the JSON, with whatever the builder cannot show kept as JSON clauses.
 */
import { useEffect, useState } from 'react';
import { Field } from '../components/form.tsx';
import type { SortSpec } from '../pages/leads.tsx';

export function QueryJsonEditor({ query, sort, onApply }: { query: unknown; sort: SortSpec; onApply: (query: unknown, sort: SortSpec) => void }) {
  const pretty = JSON.stringify({ query, sort }, null, 2);
  const [text, setText] = useState(pretty);
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    setText(pretty);
    setError(undefined);
  }, [pretty]);
  const apply = () => {
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !('query' in parsed)) {
        throw new Error('expected an object with "query" (and optionally "sort").');
      }
      const o = parsed as { query: unknown; sort?: unknown };
      if (o.sort !== undefined && !Array.isArray(o.sort)) throw new Error('"sort" must be a list.');
      setError(undefined);
      onApply(o.query, (o.sort ?? []) as SortSpec);
    } catch (e) {
      setError(`Not applied: ${(e as Error).message}`);
    }
  };
  return (
    <details className="json-editor">
      <summary>Filter as JSON (s_query)</summary>
      <Field label="s_query JSON" error={error} hint="Edit and apply: the builder shows what it can, and keeps the rest as JSON clauses.">
        {(p) => <textarea {...p} className="code" rows={14} spellCheck={false} value={text} onChange={(e) => setText(e.target.value)} />}
      </Field>
      <div className="toolbar">
        <button type="button" onClick={apply}>
          Apply JSON
        </button>
        <button type="button" className="secondary" onClick={() => setText(pretty)}>
          Reset
        </button>
      </div>
    </details>
  );
}
