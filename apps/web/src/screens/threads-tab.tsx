import { type FormEvent, useState } from 'react';
import type { ClientTabProps } from '../client-tabs';
import { describeError, useApp, useLoad } from '../context';
import { formatDateTime, humanise } from '../format';
import { href, navigate } from '../router';
import { ThreadView } from './thread-view';

/** The client's consult threads the user takes part in, and a form to open one. */
export function ThreadsTab({ client, rest }: ClientTabProps) {
  const { api, me, providers } = useApp();
  const [threads, reload] = useLoad(() => api.threads(client.clientId), [api, client.clientId]);
  const [error, setError] = useState<string>();
  if (rest[0]) return <ThreadView client={client} threadId={rest[0]} />;

  const colleagues = [...providers.values()].filter(
    (provider) => provider.providerId !== me.providerId && provider.role !== 'admin' && provider.status !== 'disabled',
  );

  async function open(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setError(undefined);
    try {
      const thread = await api.createThread({
        clientId: client.clientId,
        subject: String(form.get('subject')).trim(),
        participantIds: form.getAll('participant').map(String),
      });
      reload();
      navigate('clients', client.clientId, 'threads', thread.threadId);
    } catch (failure) {
      setError(describeError(failure));
    }
  }

  return (
    <div className="threads">
      <h2>Consult threads</h2>
      {threads.status === 'loading' && <p role="status">Loading threads…</p>}
      {threads.status === 'failed' && <p role="alert">Could not load threads: {threads.error}</p>}
      {threads.status === 'ready' &&
        (threads.value.threads.length === 0 ? (
          <p>No threads yet.</p>
        ) : (
          <ul className="thread-list">
            {threads.value.threads.map((thread) => (
              <li key={thread.threadId}>
                <a href={href('clients', client.clientId, 'threads', thread.threadId)}>{thread.subject}</a>{' '}
                <span className="muted">opened {formatDateTime(thread.createdAt)}</span>{' '}
                {thread.unread > 0 && <span className="badge info">{thread.unread} unread</span>}
              </li>
            ))}
          </ul>
        ))}
      <form className="card" onSubmit={(event) => void open(event)} aria-labelledby="new-thread-title">
        <h3 id="new-thread-title">Open a thread</h3>
        <label htmlFor="thread-subject">Subject</label>
        <input id="thread-subject" name="subject" required maxLength={200} />
        <fieldset>
          <legend>Participants (each needs the client’s consent)</legend>
          {colleagues.map((provider) => (
            <label key={provider.providerId} className="choice">
              <input type="checkbox" name="participant" value={provider.providerId} />
              {provider.displayName} ({humanise(provider.role)})
            </label>
          ))}
        </fieldset>
        <button type="submit" className="primary">
          Open thread
        </button>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
      </form>
    </div>
  );
}
