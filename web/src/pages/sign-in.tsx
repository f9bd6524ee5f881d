import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../api/client.ts';
import { setApiKey } from '../api/session.ts';
import { Field } from '../components/form.tsx';

/** Sign in with an API key: checked against /me/ before it is kept (in sessionStorage only). */
export function SignIn() {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await api('GET', 'me/', { key: key.trim() });
      setApiKey(key.trim());
    } catch (e) {
      setError(e instanceof ApiError && e.status === 401 ? 'This API key was not accepted.' : String((e as Error).message));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main id="main" className="sign-in">
      <h1>Sluice console</h1>
      <p>Sign in with an API key of your organization. It is kept for this browser tab only.</p>
      <form onSubmit={submit}>
        <Field label="API key" error={error}>
          {(p) => <input {...p} type="password" autoComplete="off" required value={key} onChange={(e) => setKey(e.target.value)} />}
        </Field>
        <button type="submit" disabled={busy || key.trim() === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
