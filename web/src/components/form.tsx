/**
 * Native form controls with a visible label, a hint and an error, wired with aria-describedby and
 * aria-invalid so screen readers announce both. Errors come from the API's `field-errors`, keyed by
 * the JSON path the server names (`type`, `custom_field_id`, `query.queries.1.condition`).
 */
import { useId, type ReactNode } from 'react';
import { ApiError, errorText } from '../api/client.ts';

export interface FieldProps {
  readonly label: string;
  readonly error?: string;
  readonly hint?: ReactNode;
  readonly children: (props: { id: string; 'aria-describedby'?: string; 'aria-invalid'?: boolean }) => ReactNode;
}

export function Field({ label, error, hint, children }: FieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const described = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className={error ? 'field field-invalid' : 'field'}>
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-describedby': described, 'aria-invalid': error ? true : undefined })}
      {hint ? (
        <div className="hint" id={hintId}>
          {hint}
        </div>
      ) : null}
      {error ? (
        <div className="field-error" id={errorId} role="alert">
          {error}
        </div>
      ) : null}
    </div>
  );
}

/** The field error the API named `path`, if any. */
export function fieldError(error: unknown, path: string): string | undefined {
  return error instanceof ApiError ? error.fieldErrors[path] : undefined;
}

/** Errors not tied to one of `shown` fields (shown at the top of a form). */
export function FormErrors({ error, shown = [] }: { error: unknown; shown?: readonly string[] }) {
  if (!error) return null;
  if (error instanceof ApiError) {
    const rest = Object.entries(error.fieldErrors).filter(([k]) => !shown.includes(k));
    if (error.errors.length === 0 && rest.length === 0 && Object.keys(error.fieldErrors).length > 0) return null;
    return (
      <div className="error-box" role="alert">
        {error.errors.length === 0 && rest.length === 0 ? <p>{error.message}</p> : null}
        {error.errors.map((e) => (
          <p key={e}>{e}</p>
        ))}
        {rest.map(([k, v]) => (
          <p key={k}>
            <code>{k}</code>: {v}
          </p>
        ))}
      </div>
    );
  }
  return (
    <div className="error-box" role="alert">
      <p>{errorText(error)}</p>
    </div>
  );
}
