import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { type AuditEntry, AuditService, callerEntry } from '@sharedcare/audit';
import type { AuthContext } from '@sharedcare/auth';
import { Clock, DomainException } from '@sharedcare/common';
import { type AccessRequest, AccessService, type ConsentCategory } from '@sharedcare/consent';
import { ConsultEvents } from './consult-events.js';
import {
  type MedicationChangeBody,
  type MessageBody,
  parseMessageBody,
  type ReferralBody,
  type SafetyConcernBody,
} from './message-bodies.js';
import { MessageAppender } from './message-appender.js';
import { MessageReader } from './message-reader.js';
import type { Message } from './message.entity.js';
import type { MessageView } from './message-view.js';
import type { MessageKind } from './message-vocabulary.js';
import { followUpTransition, isReferralOpening, type ReferralUpdate } from './referrals.js';
import { ReferralsRepository } from './referrals.repository.js';
import { ThreadsRepository, type WithinSend } from './threads.repository.js';

export interface SendMessageInput {
  threadId: string;
  clientMessageId: string;
  kind: MessageKind;
  category: ConsentCategory;
  body: unknown;
}

/** A message as one reader may see it: withheld when their consent no longer covers its category. */
export type ReadableMessage = MessageView | (Omit<MessageView, 'body'> & { body: null; withheld: 'consent_required' });

/** How far a participant has received and read the thread. */
export interface ParticipantPosition {
  providerId: string;
  deliveredSeq: number;
  readSeq: number;
}

/** A clinical acknowledgement: who acknowledged which message, when. */
export interface AcknowledgementView {
  messageId: string;
  providerId: string;
  acknowledgedAt: Date;
}

/**
 * The receipts a page of history carries, so a reader who (re)loads or catches up after a
 * reconnection learns what live `receipt` events told those who were there: every participant's
 * delivered and read positions, and the acknowledgements of the page's messages whose body the
 * reader may see (none for a withheld one); the last page of a catch-up, of every message up to
 * it, so those given while the reader was away to messages it already held are there too.
 */
export interface ThreadReceipts {
  positions: ParticipantPosition[];
  acknowledgements: AcknowledgementView[];
}

export interface HistoryPage {
  messages: ReadableMessage[];
  nextAfter: number | null;
  receipts: ThreadReceipts;
}

export interface OverdueAcknowledgement {
  messageId: string;
  threadId: string;
  clientId: string;
  kind: MessageKind;
  acknowledgeBy: Date;
  senderId: string;
  /** Who has not acknowledged yet. */
  providerId: string;
}

const HOUR = 3_600_000;
/** Clinical acknowledgement is due within a day, or an hour for imminent risk (issue 4). */
export const ACKNOWLEDGE_WITHIN = { default: 24 * HOUR, imminent: HOUR, longest: 30 * 24 * HOUR };
const NEEDS_ACKNOWLEDGEMENT: readonly MessageKind[] = ['medication_change', 'safety_concern'];
export const HISTORY_PAGE_MAX = 200;

/** When a clinical acknowledgement of a new message (a send or an amendment) falls due, if it needs one. */
export function acknowledgementDue(kind: MessageKind, body: MessageBody, now: Date, imminent: boolean): Date | null {
  if (!NEEDS_ACKNOWLEDGEMENT.includes(kind)) return null;
  const asked = (body as MedicationChangeBody | SafetyConcernBody).acknowledgeBy;
  if (asked === undefined)
    return new Date(now.getTime() + (imminent ? ACKNOWLEDGE_WITHIN.imminent : ACKNOWLEDGE_WITHIN.default));
  const due = new Date(asked);
  if (due.getTime() <= now.getTime() || due.getTime() > now.getTime() + ACKNOWLEDGE_WITHIN.longest) {
    throw DomainException.invalid('acknowledgeBy must be in the future and within 30 days', [
      { field: 'body.acknowledgeBy', problems: ['range'] },
    ]);
  }
  return due;
}

export function isImminent(kind: MessageKind, body: MessageBody): boolean {
  return kind === 'safety_concern' && (body as SafetyConcernBody).riskLevel === 'imminent';
}

/** The body and everything said about it withheld: the reader's consent no longer covers its category. */
function withhold(view: MessageView): ReadableMessage {
  const { referralStatus: _status, amendmentReason: _reason, ...rest } = view;
  return { ...rest, body: null, withheld: 'consent_required' };
}

/**
 * Messages (issue 4): sent once per `clientMessageId`, acknowledged to the sender only after the
 * commit, then fanned out; history after a sequence; delivered/read receipts; clinical
 * acknowledgements. REST routes and socket events call these same methods.
 */
@Injectable()
export class MessagesService {
  constructor(
    private readonly access: AccessService,
    private readonly threads: ThreadsRepository,
    private readonly appender: MessageAppender,
    private readonly reader: MessageReader,
    private readonly referrals: ReferralsRepository,
    private readonly events: ConsultEvents,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /** Sends waiting for the group-commit batch being written (a metric). */
  get sendsWaiting(): number {
    return this.appender.waiting;
  }

  /**
   * Stores a message once per `clientMessageId`. A `referral` opening opens a referral (`sent`); a
   * follow-up moves the referral it names, in the same transaction as the message, or neither is
   * stored (`invalid` for no such referral in the thread or the referral's own sender answering,
   * `conflict` for a change its status does not allow).
   */
  async send(auth: AuthContext, input: SendMessageInput): Promise<MessageView> {
    const body = parseMessageBody(input.kind, input.body);
    const threadId = input.threadId.toLowerCase();
    const now = this.clock.now();
    const imminent = isImminent(input.kind, body);
    // Whatever the thread, so that no answer before the access decision tells whether it exists.
    const acknowledgeBy = acknowledgementDue(input.kind, body, now, imminent);
    // The access decision is taken in the batch's transaction, as it begins (MessageAppender); the
    // thread's client, which never changes, is known before, to seal the body with the client's key.
    const access: AccessRequest = { auth, permission: 'message.send', ids: [threadId], category: input.category };
    const clientId = await this.threads.clientOf(threadId);
    if (clientId === null) throw await this.refusedOr(access, DomainException.notFound());
    const id = randomUUID();
    // A failure to seal is told only to a caller who may send here; a client whose key was destroyed
    // (crypto-shredded) has nothing left to add to, as it has nothing left to read (not_found).
    let bodySealed: string;
    try {
      bodySealed = await this.reader.seal(clientId, id, body);
    } catch (error) {
      throw await this.refusedOr(access, error);
    }
    const record = (entry: Pick<AuditEntry, 'resourceType' | 'resourceId' | 'outcome' | 'details'>) =>
      callerEntry(auth, { action: 'message.send', clientId, category: input.category, ...entry });
    const { message, created, recipientIds } = await this.appender.append({
      pending: {
        id,
        threadId,
        clientId,
        senderId: auth.providerId,
        clientMessageId: input.clientMessageId,
        kind: input.kind,
        category: input.category,
        bodySealed,
        createdAt: now,
        priority: imminent,
        acknowledgeBy,
        amendsMessageId: null,
        state: 'current',
        stateChangedAt: null,
        stateChangedBy: null,
      },
      access,
      category: input.category,
      withinTransaction:
        input.kind === 'referral' ? this.referralChange(auth, body as ReferralBody, input.category, now) : undefined,
      sent: (stored) =>
        record({
          resourceType: 'message',
          resourceId: stored.id,
          outcome: 'success',
          details: { threadId, kind: input.kind, seq: stored.seq },
        }),
      refused: (providerIds) =>
        record({
          resourceType: 'thread',
          resourceId: threadId,
          outcome: 'refused',
          details: { code: 'consent_required', providerIds },
        }),
    });
    // A new message is shown with its body as it was sealed (plain JSON, as any reader gets it), not
    // decrypted again; a retry is answered with the original, whose body may differ from this one.
    const view = await this.withReferralStatus(
      created
        ? this.reader.viewOf(message, JSON.parse(JSON.stringify(body)) as MessageBody)
        : await this.reader.open(message),
    );
    if (created) this.events.publish({ type: 'message.new', recipientIds, message: view });
    return view;
  }

  /**
   * Every message after `afterSeq`, in order, at most `limit`, with the thread's receipts (see
   * {@link ThreadReceipts}); handing them over marks them delivered.
   */
  async history(auth: AuthContext, threadId: string, page: { afterSeq: number; limit: number }): Promise<HistoryPage> {
    const [grant] = (await this.access.requireAccess({ auth, permission: 'thread.read', ids: [threadId] })).values();
    const id = threadId.toLowerCase();
    const rows = await this.threads.messagesAfter(id, page.afterSeq, page.limit);
    // Thread notices are general; a notice about a message (entered in error) carries its category.
    const readsInFull = (row: Pick<Message, 'kind' | 'category'>) =>
      grant.basis !== 'consent' ||
      (row.kind === 'system' && row.category === 'general') ||
      (grant.categories as readonly string[]).includes(row.category);
    const statuses = await this.referrals.statuses(rows.filter((row) => row.kind === 'referral').map((row) => row.id));
    const messages = await Promise.all(
      rows.map(async (row): Promise<ReadableMessage> => {
        const opened = await this.reader.open(row);
        const status = statuses.get(row.id);
        const view = status === undefined ? opened : { ...opened, referralStatus: status };
        return readsInFull(row) ? view : withhold(view);
      }),
    );
    await this.audit.record(
      callerEntry(auth, {
        action: 'message.read',
        resourceType: 'thread',
        resourceId: id,
        clientId: grant.clientId,
        outcome: 'success',
        details: { basis: grant.basis, afterSeq: page.afterSeq, count: rows.length },
      }),
    );
    const last = rows.at(-1)?.seq;
    if (last !== undefined && grant.basis !== 'emergency')
      await this.receipt(auth, grant.clientId, id, 'delivered', last);
    const nextAfter = rows.length === page.limit && last !== undefined ? last : null;
    // The last page of a catch-up says who acknowledged anything up to it; earlier pages, only
    // their own messages (so reading a long thread page by page stays linear).
    const acknowledgedAfter = nextAfter === null ? 0 : page.afterSeq;
    return {
      messages,
      nextAfter,
      receipts: await this.receipts(id, acknowledgedAfter, last ?? page.afterSeq, readsInFull),
    };
  }

  /**
   * The thread's positions, and the acknowledgements of the messages after `afterSeq` up to
   * `uptoSeq` that the reader may see in full.
   */
  private async receipts(
    threadId: string,
    afterSeq: number,
    uptoSeq: number,
    readsInFull: (message: Pick<Message, 'kind' | 'category'>) => boolean,
  ): Promise<ThreadReceipts> {
    const [participants, acknowledgements] = await Promise.all([
      this.threads.participants([threadId]),
      this.threads.acknowledgementsBetween(threadId, afterSeq, uptoSeq),
    ]);
    return {
      positions: participants.map(({ providerId, deliveredSeq, readSeq }) => ({ providerId, deliveredSeq, readSeq })),
      acknowledgements: acknowledgements
        .filter(readsInFull)
        .map(({ messageId, providerId, acknowledgedAt }) => ({ messageId, providerId, acknowledgedAt })),
    };
  }

  /** Marks the thread read up to `uptoSeq` for the caller and tells the other participants. */
  async markRead(auth: AuthContext, threadId: string, uptoSeq: number): Promise<{ threadId: string; readSeq: number }> {
    const [grant] = (
      await this.access.requireAccess({ auth, permission: 'message.receipt', ids: [threadId] })
    ).values();
    const readSeq = await this.receipt(auth, grant.clientId, threadId.toLowerCase(), 'read', uptoSeq);
    return { threadId: threadId.toLowerCase(), readSeq };
  }

  /**
   * Checks the caller takes part in the thread, for a typing notice; returns the participants the
   * consent no longer covers, whose sockets must not hear it even if they are still in the room.
   */
  async typing(auth: AuthContext, threadId: string): Promise<string[]> {
    const [grant] = (
      await this.access.requireAccess({ auth, permission: 'message.receipt', ids: [threadId] })
    ).values();
    const participantIds = (await this.threads.participants([threadId.toLowerCase()])).map((p) => p.providerId);
    return this.access.uncovered(grant.clientId, participantIds);
  }

  /**
   * The threads of a client a provider takes part in, or all of them (`every`: an emergency reader
   * may have joined any), for closing their live views when access ends.
   */
  async threadIdsOf(clientId: string, providerId: string, every = false): Promise<string[]> {
    return (await this.threads.threadsOfClient(clientId, providerId, every)).map((thread) => thread.id);
  }

  /** A clinical acknowledgement of a medication change or safety concern sent by someone else. */
  async acknowledge(auth: AuthContext, messageId: string): Promise<{ messageId: string; acknowledgedAt: Date }> {
    // The category decides access, so it is read first; an unknown id is refused like any other.
    const [found] = await this.threads.findMessages([messageId.toLowerCase()]);
    const [grant] = (
      await this.access.requireAccess({
        auth,
        permission: 'message.acknowledge',
        ids: [messageId],
        category: found?.category as ConsentCategory | undefined,
      })
    ).values();
    const message = found;
    if (message.state !== 'current')
      throw DomainException.invalid('This message was corrected; acknowledge the current one');
    if (!NEEDS_ACKNOWLEDGEMENT.includes(message.kind)) {
      throw DomainException.invalid('Only medication changes and safety concerns are acknowledged');
    }
    if (message.senderId === auth.providerId)
      throw DomainException.invalid('The sender does not acknowledge their own message');
    const stored = await this.threads.acknowledge({
      messageId: message.id,
      providerId: auth.providerId,
      acknowledgedAt: this.clock.now(),
    });
    await this.audit.record(
      callerEntry(auth, {
        action: 'message.acknowledge',
        resourceType: 'message',
        resourceId: message.id,
        clientId: grant.clientId,
        category: message.category,
        outcome: 'success',
      }),
    );
    this.events.publish({
      type: 'receipt',
      // Only those who may read the message hear who acknowledged it.
      recipientIds: await this.otherCoveredParticipants(
        auth,
        grant.clientId,
        message.threadId,
        message.category as ConsentCategory,
      ),
      receipt: {
        threadId: message.threadId,
        providerId: auth.providerId,
        kind: 'acknowledged',
        messageId: message.id,
        acknowledgedAt: stored.acknowledgedAt.toISOString(),
      },
    });
    return { messageId: message.id, acknowledgedAt: stored.acknowledgedAt };
  }

  /** Acknowledgements past due that the caller owes, and that are owed to the caller. */
  async overdue(
    auth: AuthContext,
  ): Promise<{ owedByMe: OverdueAcknowledgement[]; owedToMe: OverdueAcknowledgement[] }> {
    const rows = await this.threads.overdue(auth.providerId, this.clock.now());
    const messages = new Map(
      (await this.threads.findMessages([...new Set(rows.map((row) => row.message_id))])).map((m) => [m.id, m]),
    );
    // Only what the caller may still see, category by category: consent can have ended or narrowed since.
    const visible = new Set<string>();
    for (const category of new Set([...messages.values()].map((message) => message.category))) {
      const ids = [...messages.values()].filter((message) => message.category === category).map((m) => m.id);
      const allowed = await this.access.checkAccess({
        auth,
        permission: 'message.acknowledge',
        ids,
        category: category as ConsentCategory,
      });
      for (const id of allowed.keys()) visible.add(id);
    }
    const entries = rows.flatMap((row): OverdueAcknowledgement[] => {
      const message = messages.get(row.message_id);
      if (!message || !visible.has(message.id)) return [];
      return [
        {
          messageId: message.id,
          threadId: message.threadId,
          clientId: message.clientId,
          kind: message.kind,
          acknowledgeBy: message.acknowledgeBy as Date,
          senderId: message.senderId,
          providerId: row.provider_id,
        },
      ];
    });
    return {
      owedByMe: entries.filter((entry) => entry.providerId === auth.providerId),
      owedToMe: entries.filter((entry) => entry.senderId === auth.providerId),
    };
  }

  /**
   * The in-transaction half of a referral message: an opening opens its referral (`sent`); a
   * follow-up is checked against the referral it names, locked, and moves it with an optimistic
   * update on the status it must still have.
   */
  private referralChange(auth: AuthContext, body: ReferralBody, category: ConsentCategory, now: Date): WithinSend {
    return async (manager, message) => {
      if (isReferralOpening(body)) {
        await this.referrals.open(manager, {
          messageId: message.id,
          threadId: message.threadId,
          clientId: message.clientId,
          direction: body.direction as string,
          status: 'sent',
          updatedAt: now,
          updatedBy: auth.providerId,
        });
        return;
      }
      const to = body.status as ReferralUpdate;
      const referralId = (body.referralMessageId as string).toLowerCase();
      const referral = await this.referrals.lockInThread(manager, referralId, message.threadId);
      // A follow-up discloses what its referral did: it answers in the referral's category, for
      // which the sender (checked with the send) must be covered.
      if (referral && referral.category !== category) {
        throw DomainException.invalid('A referral is answered in its own consent category', [
          { field: 'category', problems: ['referralCategory'] },
        ]);
      }
      const from = followUpTransition(referral, auth.providerId, to);
      if (!(await this.referrals.move(manager, { messageId: referralId, from, to, at: now, by: auth.providerId }))) {
        throw DomainException.conflict('The referral changed meanwhile');
      }
    };
  }

  /** The caller's `not_found` (audited) when the access decision refuses `access`, else `otherwise`. */
  private async refusedOr(access: AccessRequest, otherwise: unknown): Promise<unknown> {
    try {
      await this.access.requireAccess(access);
    } catch (refusal) {
      return refusal;
    }
    return otherwise;
  }

  /** A referral opening's view with where its referral stands now. */
  private async withReferralStatus(view: MessageView): Promise<MessageView> {
    if (view.kind !== 'referral') return view;
    const status = (await this.referrals.statuses([view.messageId])).get(view.messageId);
    return status === undefined ? view : { ...view, referralStatus: status };
  }

  private async receipt(
    auth: AuthContext,
    clientId: string,
    threadId: string,
    kind: 'delivered' | 'read',
    uptoSeq: number,
  ): Promise<number> {
    const position = await this.threads.advance(
      threadId,
      auth.providerId,
      kind === 'read' ? 'read_seq' : 'delivered_seq',
      uptoSeq,
    );
    this.events.publish({
      type: 'receipt',
      recipientIds: await this.otherCoveredParticipants(auth, clientId, threadId),
      receipt: { threadId, providerId: auth.providerId, kind, uptoSeq: position },
    });
    return position;
  }

  /**
   * The thread's other participants whom the client's consent still covers (for `category`, when
   * given): who may hear of it live.
   */
  private async otherCoveredParticipants(
    auth: AuthContext,
    clientId: string,
    threadId: string,
    category?: ConsentCategory,
  ): Promise<string[]> {
    const others = (await this.threads.participants([threadId]))
      .map((participant) => participant.providerId)
      .filter((providerId) => providerId !== auth.providerId);
    return this.access.covered(clientId, others, category);
  }
}
