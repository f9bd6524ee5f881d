import { useEffect, useState } from 'react';
import { Field } from '../components/form.tsx';

/** A clause the builder cannot show, edited as JSON; applied when it parses. */
export function RawEditor({ json, onChange, error }: { json: unknown; onChange: (json: unknown) => void; error: string | undefined }) {
  const pretty = JSON.stringify(json, null, 2);
  const [text, setText] = useState(pretty);
  const [parseError, setParseError] = useState<string | undefined>();
  useEffect(() => setText(pretty), [pretty]);
  return (
    <Field label="Clause kept as JSON" error={parseError ?? error} hint="The builder cannot show this clause; it is sent exactly as written here.">
      {(p) => (
        <textarea
          {...p}
          className="code"
          rows={Math.min(12, pretty.split('\n').length + 1)}
          value={text}
          onChange={(e) => setText(e.target.value)}
          onBlur={() => {
            try {
              const parsed: unknown = JSON.parse(text);
              setParseError(undefined);
              if (JSON.stringify(parsed) !== JSON.stringify(json)) onChange(parsed);
            } catch (e) {
              setParseError(`Not valid JSON: ${(e as Error).message}`);
            }
          }}
        />
      )}
    </Field>
  );
}
