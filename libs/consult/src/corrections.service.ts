import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { type AuditEntry, callerEntry } from '@sharedcare/audit';
import type { AuthContext } from '@sharedcare/auth';
import { Clock, DomainException, isUuid } from '@sharedcare/common';
import { type AccessGrant, AccessService, type ConsentCategory } from '@sharedcare/consent';
import { ConsultEvents } from './consult-events.js';
import { parseMessageBody, type ReferralBody } from './message-bodies.js';
import { MessageAppender } from './message-appender.js';
import { MessageReader } from './message-reader.js';
import type { MessageView } from './message-view.js';
import type { Message } from './message.entity.js';
import { acknowledgementDue, isImminent } from './messages.service.js';
import { isReferralOpening, REFERRAL_TRANSITIONS, type ReferralUpdate } from './referrals.js';
import { ReferralsRepository } from './referrals.repository.js';
import { ThreadsRepository, type WithinSend } from './threads.repository.js';

export interface AmendMessageInput {
  clientMessageId: string;
  body: unknown;
  reason?: string;
}

export interface Amendment {
  /** The new message, in the same thread, linked to the original by `amendsMessageId`. */
  amendment: MessageView;
  /** The original, kept and marked `amended` with who and when. */
  original: MessageView;
}

export interface EnteredInError {
  /** The original, kept (body and all) and marked `entered_in_error` with who and when. */
  original: MessageView;
  /** The system notice saying so, with the reason. */
  notice: MessageView;
}

/**
 * Corrections (DESIGN.md: messages are never deleted): the sender amends a message, which adds
 * the amendment and marks the original, or marks it entered in error with a notice. Each is one
 * transaction whose optimistic `state = 'current'` check lets exactly one of two concurrent
 * corrections through (CONVENTIONS 11).
 */
@Injectable()
export class CorrectionsService {
  constructor(
    private readonly access: AccessService,
    private readonly threads: ThreadsRepository,
    private readonly appender: MessageAppender,
    private readonly referrals: ReferralsRepository,
    private readonly reader: MessageReader,
    private readonly events: ConsultEvents,
    private readonly clock: Clock,
  ) {}

  /** Idempotent on `clientMessageId`: a retry returns the amendment it made. */
  async amend(auth: AuthContext, messageId: string, input: AmendMessageInput): Promise<Amendment> {
    const { original, grant } = await this.requireCorrectable(auth, messageId);
    this.requireOwn(auth, original);
    const retried = await this.threads.findSent(original.threadId, auth.providerId, input.clientMessageId);
    if (retried) return this.amendment(retried, original.id);
    this.requireCurrent(original);
    if (original.kind === 'referral') {
      throw DomainException.invalid(
        'A referral changes by follow-ups; mark it entered in error and send a new one instead',
        [{ field: 'messageId', problems: ['referral'] }],
      );
    }
    const body = parseMessageBody(original.kind, input.body);
    const category = original.category as ConsentCategory;
    const now = this.clock.now();
    const id = randomUUID();
    const imminent = isImminent(original.kind, body);
    const record = (entry: Pick<AuditEntry, 'outcome' | 'details'>) =>
      callerEntry(auth, {
        action: 'message.amend',
        resourceType: 'message',
        resourceId: original.id,
        clientId: grant.clientId,
        category,
        ...entry,
      });
    const { message, created, recipientIds } = await this.appender.append({
      pending: {
        id,
        threadId: original.threadId,
        clientId: original.clientId,
        senderId: auth.providerId,
        clientMessageId: input.clientMessageId,
        kind: original.kind,
        category: original.category,
        bodySealed: await this.reader.sealAmendment(original.clientId, id, body, input.reason),
        createdAt: now,
        priority: imminent,
        acknowledgeBy: acknowledgementDue(original.kind, body, now, imminent),
        amendsMessageId: original.id,
        state: 'current',
        stateChangedAt: null,
        stateChangedBy: null,
      },
      category,
      withinTransaction: this.markOriginal(original, 'amended', auth, now),
      sent: (stored) =>
        record({
          outcome: 'success',
          details: { threadId: original.threadId, amendmentId: stored.id, seq: stored.seq },
        }),
      refused: (providerIds) => record({ outcome: 'refused', details: { code: 'consent_required', providerIds } }),
    });
    const result = await this.amendment(message, original.id);
    if (created) this.events.publish({ type: 'message.new', recipientIds, message: result.amendment });
    return result;
  }

  /**
   * Marks the caller's message entered in error and posts a notice with the reason. Its body stays
   * readable. A referral follow-up entered in error gives the referral back the status it had.
   */
  async enteredInError(auth: AuthContext, messageId: string, reason: string): Promise<EnteredInError> {
    const { original, grant } = await this.requireCorrectable(auth, messageId);
    this.requireOwn(auth, original);
    this.requireCurrent(original);
    const now = this.clock.now();
    const id = randomUUID();
    const undoReferral = await this.referralUndo(original, auth, now);
    const { message: notice, recipientIds } = await this.appender.append({
      pending: {
        id,
        threadId: original.threadId,
        clientId: original.clientId,
        senderId: auth.providerId,
        clientMessageId: `system:${id}`,
        kind: 'system',
        // The reason may say as much as the message did: readers see it only where they see that.
        category: original.category,
        bodySealed: await this.reader.seal(original.clientId, id, {
          event: 'entered_in_error',
          messageId: original.id,
          reason,
        }),
        createdAt: now,
        priority: false,
        acknowledgeBy: null,
        amendsMessageId: null,
        state: 'current',
        stateChangedAt: null,
        stateChangedBy: null,
      },
      category: original.category as ConsentCategory,
      // A sender can always withdraw what they said; whom the category no longer covers sees the
      // notice withheld in history, and does not hear of it live.
      uncovered: 'withhold',
      withinTransaction: async (manager, message) => {
        await this.markOriginal(original, 'entered_in_error', auth, now)(manager, message);
        await undoReferral?.(manager, message);
      },
      sent: (stored) =>
        callerEntry(auth, {
          action: 'message.entered_in_error',
          resourceType: 'message',
          resourceId: original.id,
          clientId: grant.clientId,
          category: original.category,
          outcome: 'success',
          details: { threadId: original.threadId, noticeId: stored.id, seq: stored.seq },
        }),
    });
    const view = await this.reader.open(notice);
    this.events.publish({ type: 'message.new', recipientIds, message: view });
    return { original: await this.current(original.id), notice: view };
  }

  /**
   * Access first (CONVENTIONS 3), with the message's own category: the message is looked up only to
   * learn it, and a missing or unreachable one is `not_found` either way.
   */
  private async requireCorrectable(
    auth: AuthContext,
    messageId: string,
  ): Promise<{ original: Message; grant: AccessGrant }> {
    const id = String(messageId).toLowerCase();
    const [found] = isUuid(id) ? await this.threads.findMessages([id]) : [];
    const [grant] = (
      await this.access.requireAccess({
        auth,
        permission: 'message.correct',
        ids: [id],
        category: found?.category as ConsentCategory | undefined,
      })
    ).values();
    return { original: found, grant };
  }

  private requireOwn(auth: AuthContext, original: Message): void {
    if (original.kind === 'system') throw DomainException.invalid('System messages are not corrected');
    if (original.senderId !== auth.providerId) throw DomainException.invalid('Only its sender corrects a message');
  }

  /** Checked here for a clear answer; the transaction checks again (`markOriginal`), for races. */
  private requireCurrent(original: Message): void {
    if (original.state !== 'current') throw DomainException.conflict(`The message is already ${original.state}`);
  }

  /** Marks the original in the correcting transaction; refused if another correction came first. */
  private markOriginal(
    original: Message,
    state: 'amended' | 'entered_in_error',
    auth: AuthContext,
    at: Date,
  ): WithinSend {
    return async (manager) => {
      const changed = await this.threads.changeState(manager, {
        messageId: original.id,
        state,
        at,
        by: auth.providerId,
      });
      if (!changed) throw DomainException.conflict('The message was corrected meanwhile');
    };
  }

  /**
   * For a referral follow-up: puts the referral back to the status the follow-up moved it from,
   * provided nothing has moved it on since (else `conflict`: correct the later follow-up first).
   */
  private async referralUndo(original: Message, auth: AuthContext, at: Date): Promise<WithinSend | undefined> {
    if (original.kind !== 'referral') return undefined;
    const body = (await this.reader.open(original)).body as ReferralBody;
    if (isReferralOpening(body)) return undefined;
    const made = body.status as ReferralUpdate;
    const messageId = (body.referralMessageId as string).toLowerCase();
    return async (manager) => {
      const change = { messageId, from: made, to: REFERRAL_TRANSITIONS[made], at, by: auth.providerId };
      if (!(await this.referrals.move(manager, change))) {
        throw DomainException.conflict('The referral has moved on since this follow-up; correct the later one first');
      }
    };
  }

  /** The amendment a send made (fresh or retried), with the original as it stands now. */
  private async amendment(message: Message, originalId: string): Promise<Amendment> {
    // The same key already sent something else: not a retry of this amendment.
    if (message.amendsMessageId !== originalId) {
      throw DomainException.conflict('clientMessageId was already used for another message');
    }
    return { amendment: await this.reader.open(message), original: await this.current(originalId) };
  }

  private async current(messageId: string): Promise<MessageView> {
    const [message] = await this.threads.findMessages([messageId]);
    const view = await this.reader.open(message);
    if (message.kind !== 'referral') return view;
    const status = (await this.referrals.statuses([message.id])).get(message.id);
    return status === undefined ? view : { ...view, referralStatus: status };
  }
}
