import { ApiError } from '@sharedcare/client';
import { type FormEvent, useState, useSyncExternalStore } from 'react';
import { describeError } from '../context';
import type { Session } from '../session';

const REASONS = {
  idle: 'You were signed out after a period without activity.',
  expired: 'Your session ended. Please sign in again.',
  signed_out: 'You have signed out.',
} as const;

function message(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code === 'rate_limited') return 'Too many attempts. Wait a few minutes and try again.';
    if (error.status === 401 || error.code === 'unauthenticated') return error.message;
  }
  return describeError(error);
}

/** Email and password, then the authenticator code when the account has MFA. */
export function SignIn({ session }: { session: Session }) {
  const state = useSyncExternalStore(
    (listener) => session.subscribe(listener),
    () => session.state,
  );
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>, action: (form: FormData) => Promise<void>) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await action(new FormData(event.currentTarget));
    } catch (failure) {
      setError(message(failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main id="main" className="sign-in">
      <h1>SharedCare</h1>
      {state.status === 'signed_out' && state.reason && <p role="status">{REASONS[state.reason]}</p>}
      {state.status === 'mfa' ? (
        <form
          aria-labelledby="mfa-title"
          onSubmit={(event) => void submit(event, (form) => session.verifyMfa(String(form.get('code'))))}
        >
          <h2 id="mfa-title">Two-step verification</h2>
          <label htmlFor="code">Code from your authenticator app</label>
          <input
            id="code"
            name="code"
            inputMode="numeric"
            autoComplete="one-time-code"
            pattern="[0-9]{6}"
            required
            autoFocus
          />
          <button type="submit" className="primary" disabled={busy}>
            Verify
          </button>
        </form>
      ) : (
        <form
          aria-labelledby="sign-in-title"
          onSubmit={(event) =>
            void submit(event, (form) => session.signIn(String(form.get('email')), String(form.get('password'))))
          }
        >
          <h2 id="sign-in-title">Sign in</h2>
          <label htmlFor="email">Email</label>
          <input id="email" name="email" type="email" autoComplete="username" required autoFocus />
          <label htmlFor="password">Password</label>
          <input id="password" name="password" type="password" autoComplete="current-password" required />
          <button type="submit" className="primary" disabled={busy}>
            Sign in
          </button>
        </form>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </main>
  );
}
