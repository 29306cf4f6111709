import type { AccessReportEntry } from '@sharedcare/client';
import { useState } from 'react';
import type { ClientTabProps } from '../client-tabs';
import { describeError, useApp, useLoad } from '../context';
import { formatDateTime, humanise } from '../format';

const OUTCOME_BADGE: Record<string, string> = { success: 'ok', refused: 'warning', failure: 'danger' };

/** Who accessed the client's information, newest first (the accounting of disclosures). */
export function AccessReportTab({ client }: ClientTabProps) {
  const { api } = useApp();
  const [first] = useLoad(() => api.accessReport(client.clientId), [api, client.clientId]);
  const [older, setOlder] = useState<{ entries: AccessReportEntry[]; nextBefore: number | null }>();
  const [error, setError] = useState<string>();

  if (first.status === 'loading') return <p role="status">Loading the access report…</p>;
  if (first.status === 'failed') return <p role="alert">The access report is not available to you: {first.error}</p>;
  const entries = [...first.value.entries, ...(older?.entries ?? [])];
  const nextBefore = older ? older.nextBefore : first.value.nextBefore;

  async function more() {
    if (nextBefore === null) return;
    try {
      const page = await api.accessReport(client.clientId, nextBefore);
      setOlder({ entries: [...(older?.entries ?? []), ...page.entries], nextBefore: page.nextBefore });
    } catch (failure) {
      setError(describeError(failure));
    }
  }

  return (
    <div className="access-report">
      <h2>Access report</h2>
      <p className="muted">
        Every read, change and refusal concerning this client, from the audit trail. Clinical content is never shown
        here.
      </p>
      <table className="record-table">
        <caption>Who accessed this client’s information, newest first</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            <th scope="col">Action</th>
            <th scope="col">Category</th>
            <th scope="col">Outcome</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((entry) => (
            <tr key={entry.sequence}>
              <td>{formatDateTime(entry.occurredAt)}</td>
              <td>
                {entry.actorName ?? 'Unknown provider'} <span className="muted">({humanise(entry.actorRole)})</span>
              </td>
              <td>{entry.action}</td>
              <td>{entry.category ? humanise(entry.category) : ''}</td>
              <td>
                <span className={`badge ${OUTCOME_BADGE[entry.outcome] ?? 'neutral'}`}>{humanise(entry.outcome)}</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {nextBefore !== null && (
        <button type="button" onClick={() => void more()}>
          Show older entries
        </button>
      )}
    </div>
  );
}
