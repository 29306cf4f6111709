import { REFRESH_IDLE_SECONDS } from '@sharedcare/client';
import { useEffect, useRef, useSyncExternalStore } from 'react';
import { useApp, useNow } from '../context';

/**
 * Shown IDLE_WARNING_SECONDS before an idle session ends (the refresh token's idle expiry,
 * REFRESH_IDLE_SECONDS); any activity, or the button, keeps the session.
 */
export function IdleWarning() {
  const { session } = useApp();
  const warning = useSyncExternalStore(
    (listener) => session.subscribe(listener),
    () => session.idleWarning,
  );
  const now = useNow(1000);
  const button = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (warning) button.current?.focus();
  }, [warning]);
  if (!warning) return null;
  const left = session.idleSecondsLeft(now);
  return (
    <div className="backdrop">
      <div
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="idle-title"
        aria-describedby="idle-text"
        className="dialog"
      >
        <h2 id="idle-title">Still there?</h2>
        <p id="idle-text">
          You will be signed out in {Math.floor(left / 60)}:{String(left % 60).padStart(2, '0')} after{' '}
          {REFRESH_IDLE_SECONDS / 60} minutes without activity, to protect your clients’ information.
        </p>
        <button ref={button} type="button" className="primary" onClick={() => session.noteActivity()}>
          Stay signed in
        </button>
      </div>
    </div>
  );
}
