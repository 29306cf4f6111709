import { type FormEvent, type ReactNode, useEffect, useId, useRef, useState } from 'react';
import { describeError } from '../context';

/**
 * A modal form on the native <dialog> element: it keeps focus inside, Escape cancels, the page
 * behind is inert, and focus goes back to where it was when it closes. While `action` runs the
 * submit button is disabled; if it fails, the dialog stays open and says why.
 */
export function FormDialog({
  title,
  children,
  submitLabel,
  action,
  onCancel,
}: {
  title: string;
  children: ReactNode;
  submitLabel: string;
  action: (data: FormData) => Promise<void>;
  onCancel: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const element = dialog.current;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    element?.showModal();
    return () => {
      element?.close();
      opener?.focus();
    };
  }, []);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    setBusy(true);
    setError(undefined);
    action(data).then(
      () => setBusy(false),
      (failure: unknown) => {
        setError(describeError(failure));
        setBusy(false);
      },
    );
  };

  return (
    <dialog
      ref={dialog}
      className="dialog record-dialog"
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        onCancel();
      }}
    >
      <h2 id={titleId}>{title}</h2>
      <form onSubmit={submit}>
        {children}
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <div className="row">
          <button type="submit" className="danger" disabled={busy}>
            {submitLabel}
          </button>
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}
