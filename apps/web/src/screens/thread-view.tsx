import type {
  ClientDetail,
  MedicationChangeBody,
  Message,
  ReferralBody,
  ReferralFollowUpBody,
  SafetyConcernBody,
  SymptomUpdateBody,
} from '@sharedcare/client';
import { useEffect, useState } from 'react';
import { Composer } from '../components/composer';
import { describeError, useApp, useLive, useLoad, useNow, useProviderName } from '../context';
import type { Acknowledged, Outgoing, ThreadState } from '../live';
import { formatDate, formatDateTime, humanise } from '../format';
import { href } from '../router';

const KIND_LABELS: Record<string, string> = {
  note: 'Note',
  symptom_update: 'Symptom update',
  medication_change: 'Medication change',
  referral: 'Referral',
  safety_concern: 'Safety concern',
  system: 'Thread event',
};

function MessageBodyView({ message }: { message: Message }) {
  const name = useProviderName();
  if (message.withheld) return <p className="muted">Not shown: the client’s consent no longer covers this.</p>;
  switch (message.kind) {
    case 'note':
      return <p className="text">{(message.body as { text: string }).text}</p>;
    case 'symptom_update': {
      const body = message.body as SymptomUpdateBody;
      return (
        <>
          {body.text && <p className="text">{body.text}</p>}
          {body.measures?.map((measure, index) => (
            <p key={index}>
              <strong>
                {measure.instrument} {measure.score}
              </strong>{' '}
              <span className="muted">observed {formatDate(measure.observedAt)}</span>
              {measure.items && <span className="muted"> · items {measure.items.join(', ')}</span>}
            </p>
          ))}
        </>
      );
    }
    case 'medication_change': {
      const body = message.body as MedicationChangeBody;
      return (
        <dl className="fields">
          <dt>Change</dt>
          <dd>
            {humanise(body.action)} {body.medication.name}
            {body.dose && ` ${body.dose.value} ${body.dose.unit}`}
            {body.frequency && `, ${body.frequency}`}
            {body.route && `, ${body.route}`}
          </dd>
          <dt>From</dt>
          <dd>{formatDate(body.effectiveDate)}</dd>
          <dt>Reason</dt>
          <dd>{body.reason}</dd>
          {body.monitoring && (
            <>
              <dt>Monitoring</dt>
              <dd>{body.monitoring}</dd>
            </>
          )}
        </dl>
      );
    }
    case 'referral': {
      const body = message.body as ReferralBody | ReferralFollowUpBody;
      if ('referralMessageId' in body) {
        return (
          <p>
            Referral {body.status}
            {body.reason && `: ${body.reason}`}
          </p>
        );
      }
      return (
        <dl className="fields">
          <dt>Direction</dt>
          <dd>{body.direction === 'to_psychiatry' ? 'To psychiatry' : 'To therapy'}</dd>
          <dt>Reasons</dt>
          <dd>{body.reasons.map(humanise).join('; ')}</dd>
          <dt>Urgency</dt>
          <dd>{humanise(body.urgency)}</dd>
          {body.notes && (
            <>
              <dt>Notes</dt>
              <dd>{body.notes}</dd>
            </>
          )}
          {message.referralStatus && (
            <>
              <dt>Status</dt>
              <dd>{humanise(message.referralStatus)}</dd>
            </>
          )}
        </dl>
      );
    }
    case 'safety_concern': {
      const body = message.body as SafetyConcernBody;
      return (
        <dl className="fields">
          <dt>Risk</dt>
          <dd>
            <span className={`badge risk-${body.riskLevel}`}>{humanise(body.riskLevel)}</span>
          </dd>
          <dt>Summary</dt>
          <dd>{body.summary}</dd>
          <dt>Actions taken</dt>
          <dd>{body.actionsTaken}</dd>
          {message.crisisLine && (
            <>
              <dt>Crisis line</dt>
              <dd>
                {message.crisisLine.name}: call or text {message.crisisLine.phone}
              </dd>
            </>
          )}
        </dl>
      );
    }
    default: {
      const body = message.body as { event?: string; participantIds?: string[]; reason?: string };
      if (body.participantIds) {
        return (
          <p>
            {humanise(body.event ?? 'event')}: {body.participantIds.map(name).join(', ')}
          </p>
        );
      }
      return <p>{humanise(body.event ?? 'event')}</p>;
    }
  }
}

const needsAcknowledgement = (message: Message) =>
  (message.kind === 'medication_change' || message.kind === 'safety_concern') && message.acknowledgeBy !== null;

/** Whether the user's own message reached the others: stored, delivered, read. */
function Receipts({
  message,
  thread,
  participants,
}: {
  message: Message;
  thread: ThreadState;
  participants: string[];
}) {
  const name = useProviderName();
  const others = participants.filter((id) => id !== message.senderId);
  const read = others.filter((id) => (thread.read[id] ?? 0) >= message.seq);
  const delivered = others.filter((id) => !read.includes(id) && (thread.delivered[id] ?? 0) >= message.seq);
  const acknowledged = thread.acknowledged[message.messageId] ?? [];
  return (
    <>
      <p className="receipts" aria-label="Delivery">
        <span className="badge ok">Stored</span>
        {delivered.length > 0 && <span className="badge neutral">Delivered to {delivered.map(name).join(', ')}</span>}
        {read.length > 0 && <span className="badge info">Read by {read.map(name).join(', ')}</span>}
        {needsAcknowledgement(message) && acknowledged.length === 0 && <OverdueBadge message={message} waiting />}
      </p>
      {needsAcknowledgement(message) && <AcknowledgedBy acknowledged={acknowledged} />}
    </>
  );
}

/** Who acknowledged a clinical message, and when: what the history and live receipts said. */
function AcknowledgedBy({ acknowledged }: { acknowledged: Acknowledged[] }) {
  const name = useProviderName();
  if (acknowledged.length === 0) return null;
  return (
    <ul className="acknowledged" aria-label="Acknowledgements">
      {acknowledged.map((entry) => (
        <li key={entry.providerId} className="badge ok">
          Acknowledged by {name(entry.providerId)}
          {entry.acknowledgedAt && (
            <>
              {' '}
              on <time dateTime={entry.acknowledgedAt}>{formatDateTime(entry.acknowledgedAt)}</time>
            </>
          )}
        </li>
      ))}
    </ul>
  );
}

function OverdueBadge({ message, waiting }: { message: Message; waiting?: boolean }) {
  const now = useNow(30_000);
  const due = message.acknowledgeBy;
  if (!due) return null;
  const overdue = new Date(due).getTime() < now;
  return overdue ? (
    <span className="badge danger">Acknowledgement overdue since {formatDateTime(due)}</span>
  ) : (
    <span className="badge warning">
      {waiting ? 'Awaiting acknowledgement' : 'Acknowledge'} by {formatDateTime(due)}
    </span>
  );
}

function Acknowledge({ message, thread }: { message: Message; thread: ThreadState }) {
  const { me } = useApp();
  const live = useLive();
  const [error, setError] = useState<string>();
  const acknowledged = thread.acknowledged[message.messageId] ?? [];
  if (acknowledged.some((entry) => entry.providerId === me.providerId))
    return <AcknowledgedBy acknowledged={acknowledged} />;
  return (
    <div className="acknowledge">
      <AcknowledgedBy acknowledged={acknowledged} />
      <OverdueBadge message={message} />
      <button
        type="button"
        className="primary"
        onClick={() =>
          live.acknowledge(message).then(
            () => setError(undefined),
            (failure: unknown) => setError(describeError(failure)),
          )
        }
      >
        Acknowledge {KIND_LABELS[message.kind].toLowerCase()}
      </button>
      {error && (
        <span role="alert" className="error">
          {error}
        </span>
      )}
    </div>
  );
}

function PendingMessage({ entry }: { entry: Outgoing }) {
  const live = useLive();
  const text = 'text' in entry.body && typeof entry.body.text === 'string' ? entry.body.text : undefined;
  return (
    <li
      className={`message mine pending status-${entry.status}`}
      data-status={entry.status}
      data-client-message-id={entry.clientMessageId}
    >
      <p className="meta">
        <strong>You</strong> · {KIND_LABELS[entry.kind]}
      </p>
      {text ? <p className="text">{text}</p> : <p className="muted">{KIND_LABELS[entry.kind]} (not stored yet)</p>}
      <p className="receipts">
        {entry.status === 'sending' && <span className="badge neutral">Sending…</span>}
        {entry.status === 'pending' && (
          <span className="badge warning">Not stored yet: will be sent again when you are back online</span>
        )}
        {entry.status === 'refused' && (
          <>
            <span className="badge danger" role="alert">
              Not stored: {entry.error}
            </span>
            <button type="button" onClick={() => live.dismiss(entry.clientMessageId)}>
              Dismiss
            </button>
          </>
        )}
      </p>
    </li>
  );
}

/** One consult thread: live messages, who is here and typing, receipts, acknowledgements, composer. */
export function ThreadView({ client, threadId }: { client: ClientDetail; threadId: string }) {
  const { api, me } = useApp();
  const live = useLive();
  const name = useProviderName();
  const [thread] = useLoad(() => api.thread(threadId), [api, threadId]);
  const [openError, setOpenError] = useState<string>();
  useEffect(() => {
    live.open(threadId).catch((failure: unknown) => setOpenError(describeError(failure)));
    return () => live.close(threadId);
  }, [live, threadId]);
  const state = live.thread(threadId);
  const lastSeq = state.lastSeq;
  useEffect(() => {
    if (document.visibilityState === 'visible') live.markRead(threadId);
  }, [live, threadId, lastSeq]);

  if (thread.status === 'loading') return <p role="status">Loading thread…</p>;
  if (thread.status === 'failed') return <p role="alert">This thread is not available to you: {thread.error}</p>;
  const participants = [...new Set([thread.value.createdBy, ...thread.value.participantIds])];
  const present = state.present.filter((id) => id !== me.providerId);
  const typing = live.typingIn(threadId);
  const pending = live.outbox.filter((entry) => entry.threadId === threadId);
  const cutOff = live.revoked?.threadIds.includes(threadId);

  return (
    <article className="thread" aria-labelledby="thread-title">
      <p className="breadcrumb">
        <a href={href('clients', client.clientId, 'threads')}>All threads</a>
      </p>
      <h2 id="thread-title">{thread.value.subject}</h2>
      <p className="muted">
        With{' '}
        {participants
          .filter((id) => id !== me.providerId)
          .map(name)
          .join(', ')}
      </p>
      <p className="presence" aria-live="polite">
        {present.length > 0 ? `Here now: ${present.map(name).join(', ')}` : 'Nobody else is viewing this thread'}
      </p>
      {openError && <p role="alert">{openError}</p>}
      {cutOff && (
        <p role="alert" className="error">
          The client’s consent no longer covers you for this thread.
        </p>
      )}
      <div role="log" aria-label="Messages" aria-live="polite">
        <ol className="messages">
          {state.messages.map((message) => {
            const mine = message.senderId === me.providerId && message.kind !== 'system';
            return (
              <li
                key={message.messageId}
                className={`message ${mine ? 'mine' : ''} kind-${message.kind}`}
                data-seq={message.seq}
                data-kind={message.kind}
              >
                <p className="meta">
                  {message.kind !== 'system' && (
                    <>
                      <strong>{name(message.senderId)}</strong> ·{' '}
                    </>
                  )}
                  {KIND_LABELS[message.kind]} ·{' '}
                  <time dateTime={message.createdAt}>{formatDateTime(message.createdAt)}</time>
                  {message.state !== 'current' && <span className="badge warning">{humanise(message.state)}</span>}
                </p>
                <MessageBodyView message={message} />
                {mine && <Receipts message={message} thread={state} participants={participants} />}
                {!mine && needsAcknowledgement(message) && message.state === 'current' && (
                  <Acknowledge message={message} thread={state} />
                )}
              </li>
            );
          })}
          {pending.map((entry) => (
            <PendingMessage key={entry.clientMessageId} entry={entry} />
          ))}
        </ol>
      </div>
      <p className="typing" aria-live="polite">
        {typing.length > 0 ? `${typing.map(name).join(', ')} ${typing.length > 1 ? 'are' : 'is'} typing…` : ''}
      </p>
      {!cutOff && <Composer threadId={threadId} />}
    </article>
  );
}
