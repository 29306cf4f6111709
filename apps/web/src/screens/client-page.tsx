import { useEffect, useRef } from 'react';
import { CLIENT_TABS } from '../client-tabs';
import { useApp, useLoad } from '../context';
import { formatDate, humanise } from '../format';
import { href } from '../router';
import { EmergencyAccess } from './emergency-access';

/** One client: who they are, and a tab per part of their record. */
export function ClientPage({ clientId, tab, rest }: { clientId: string; tab?: string; rest: string[] }) {
  const { api, me } = useApp();
  const [client, reload] = useLoad(() => api.client(clientId), [api, clientId]);
  const active = CLIENT_TABS.find((candidate) => candidate.id === tab) ?? CLIENT_TABS[0];
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (client.status === 'ready') heading.current?.focus();
  }, [client.status, clientId]);

  if (client.status === 'loading') return <p role="status">Loading…</p>;
  if (client.status === 'failed') {
    return (
      <>
        <p role="alert">
          This client is not available to you: {client.error}. <a href={href()}>Back to clients</a>
        </p>
        {me.role !== 'admin' && <EmergencyAccess clientId={clientId} onOpened={reload} />}
      </>
    );
  }
  const detail = client.value;
  return (
    <section aria-labelledby="client-title">
      <p className="breadcrumb">
        <a href={href()}>Clients</a> <span aria-hidden="true">›</span> {detail.displayName}
      </p>
      <h1 id="client-title" ref={heading} tabIndex={-1}>
        {detail.displayName}
      </h1>
      <p className="muted">
        Born {formatDate(detail.dateOfBirth)} · Your access: {humanise(detail.access)}
        {detail.externalId && ` · Record ${detail.externalId}`}
      </p>
      <nav aria-label="Client record" className="tabs">
        {CLIENT_TABS.map((candidate) => (
          <a
            key={candidate.id}
            href={href('clients', clientId, candidate.id)}
            aria-current={candidate.id === active.id ? 'page' : undefined}
          >
            {candidate.label}
          </a>
        ))}
      </nav>
      <div className="tab-panel">{active.render({ client: detail, rest })}</div>
    </section>
  );
}
