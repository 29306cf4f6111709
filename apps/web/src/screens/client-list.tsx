import type { Client, Consent, OverdueAcknowledgements, Thread } from '@sharedcare/client';
import { useApp, useLive, useLoad } from '../context';
import { daysUntil, formatDate } from '../format';
import { href } from '../router';

interface Row {
  client: Client;
  consent: Consent | undefined;
  unread: number;
  overdueByMe: number;
  overdueToMe: number;
}

/** The consent that matters to the reader: the active one ending last, else the latest. */
function currentConsent(consents: Consent[]): Consent | undefined {
  const active = consents.filter((consent) => consent.status === 'active');
  const pool = active.length > 0 ? active : consents;
  return [...pool].sort((a, b) => b.expiresAt.localeCompare(a.expiresAt))[0];
}

function ConsentCell({ consent }: { consent: Consent | undefined }) {
  if (!consent) return <span className="badge neutral">No consent on file</span>;
  if (consent.status !== 'active') return <span className="badge danger">Consent {consent.status}</span>;
  const days = daysUntil(consent.expiresAt);
  return (
    <>
      <span className={`badge ${days <= 30 ? 'warning' : 'ok'}`}>Active</span>{' '}
      <span>
        until {formatDate(consent.expiresAt)}
        {days <= 30 && ` (${days} days left)`}
      </span>
    </>
  );
}

/** The caseload: each client with their consent, unread messages and overdue acknowledgements. */
export function ClientList() {
  const { api } = useApp();
  const live = useLive();
  const unseen = [...live.unseen.values()].reduce((sum, n) => sum + n, 0);
  const [rows] = useLoad(async (): Promise<Row[]> => {
    live.unseen.clear();
    const [{ clients }, overdue] = await Promise.all([
      api.clients(),
      api.overdue().catch((): OverdueAcknowledgements => ({ owedByMe: [], owedToMe: [] })),
    ]);
    return Promise.all(
      clients.map(async (client) => {
        const [consents, threads] = await Promise.all([
          api.consents(client.clientId).then(
            (r) => r.consents,
            (): Consent[] => [],
          ),
          api.threads(client.clientId).then(
            (r) => r.threads,
            (): Thread[] => [],
          ),
        ]);
        return {
          client,
          consent: currentConsent(consents),
          unread: threads.reduce((sum, thread) => sum + thread.unread, 0),
          overdueByMe: overdue.owedByMe.filter((entry) => entry.clientId === client.clientId).length,
          overdueToMe: overdue.owedToMe.filter((entry) => entry.clientId === client.clientId).length,
        };
      }),
    );
  }, [api, unseen]);

  return (
    <section aria-labelledby="clients-title">
      <h1 id="clients-title">Clients</h1>
      {rows.status === 'loading' && <p role="status">Loading clients…</p>}
      {rows.status === 'failed' && <p role="alert">Could not load your clients: {rows.error}</p>}
      {rows.status === 'ready' && rows.value.length === 0 && <p>No clients are shared with you yet.</p>}
      {rows.status === 'ready' && rows.value.length > 0 && (
        <table className="clients">
          <caption className="visually-hidden">
            Your clients, their consent, unread messages and overdue acknowledgements
          </caption>
          <thead>
            <tr>
              <th scope="col">Client</th>
              <th scope="col">Date of birth</th>
              <th scope="col">Consent</th>
              <th scope="col">Unread</th>
              <th scope="col">Overdue acknowledgements</th>
            </tr>
          </thead>
          <tbody>
            {rows.value.map(({ client, consent, unread, overdueByMe, overdueToMe }) => (
              <tr key={client.clientId}>
                <th scope="row">
                  <a href={href('clients', client.clientId)}>{client.displayName}</a>
                  {client.access === 'emergency' && <span className="badge danger">Emergency access</span>}
                </th>
                <td>{formatDate(client.dateOfBirth)}</td>
                <td>
                  <ConsentCell consent={consent} />
                </td>
                <td>
                  {unread > 0 ? (
                    <span className="badge info">{unread} unread</span>
                  ) : (
                    <span className="muted">None</span>
                  )}
                </td>
                <td>
                  {overdueByMe > 0 && <span className="badge danger">{overdueByMe} overdue from you</span>}{' '}
                  {overdueToMe > 0 && <span className="badge warning">{overdueToMe} overdue to you</span>}
                  {overdueByMe + overdueToMe === 0 && <span className="muted">None</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
