import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AuditService, callerEntry } from '@sharedcare/audit';
import { type AuthContext, CLINICAL_ROLES } from '@sharedcare/auth';
import { Clock, DomainException } from '@sharedcare/common';
import { AccessService, type ConsentCategory } from '@sharedcare/consent';
import { ClientKeyring } from '@sharedcare/crypto';
import { DirectoryService } from '@sharedcare/directory';
import { ConsultEvents } from './consult-events.js';
import { MessageReader } from './message-reader.js';
import type { SystemBody } from './message-view.js';
import type { Message } from './message.entity.js';
import type { Thread, ThreadParticipant } from './thread.entity.js';
import { type PendingMessage, ThreadsRepository } from './threads.repository.js';

export interface CreateThreadInput {
  clientId: string;
  subject: string;
  participantIds: string[];
}

export interface ThreadView {
  threadId: string;
  clientId: string;
  subject: string;
  participantIds: string[];
  createdBy: string;
  createdAt: Date;
  lastSeq: number;
  /** Messages from others the caller has not read (0 for a reader who does not take part). */
  unread: number;
}

export const MAX_THREAD_PARTICIPANTS = 20;
const subjectContext = (threadId: string) => `thread.subject:${threadId}`;

/** Threads about a client (issue 4): opened among covered colleagues, listed, joined. */
@Injectable()
export class ThreadsService {
  constructor(
    private readonly access: AccessService,
    private readonly threads: ThreadsRepository,
    private readonly directory: DirectoryService,
    private readonly keyring: ClientKeyring,
    private readonly reader: MessageReader,
    private readonly events: ConsultEvents,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async create(auth: AuthContext, input: CreateThreadInput): Promise<ThreadView> {
    const [grant] = (
      await this.access.requireAccess({ auth, permission: 'thread.create', ids: [input.clientId] })
    ).values();
    const participantIds = [...new Set([auth.providerId, ...input.participantIds.map((id) => id.toLowerCase())])];
    if (participantIds.length > MAX_THREAD_PARTICIPANTS) {
      throw DomainException.invalid(`A thread holds at most ${MAX_THREAD_PARTICIPANTS} participants`, [
        { field: 'participantIds', problems: ['arrayMaxSize'] },
      ]);
    }
    await this.requireColleagues(auth, grant.clientId, participantIds);
    const now = this.clock.now();
    const id = randomUUID();
    const thread: Thread = {
      id,
      clientId: grant.clientId,
      organisationId: auth.organisationId,
      subjectSealed: await this.keyring.encryptForClient(grant.clientId, input.subject, subjectContext(id)),
      createdBy: auth.providerId,
      createdAt: now,
      lastSeq: 0,
    };
    const participants = participantIds.map((providerId): ThreadParticipant => ({
      threadId: id,
      providerId,
      addedBy: auth.providerId,
      addedAt: now,
      deliveredSeq: 0,
      readSeq: 0,
    }));
    const opening = await this.threads.create(
      thread,
      participants,
      await this.systemMessage(auth, thread, { event: 'thread_opened', participantIds }),
    );
    await this.audit.record(
      callerEntry(auth, {
        action: 'thread.create',
        resourceType: 'thread',
        resourceId: id,
        clientId: grant.clientId,
        outcome: 'success',
        details: { participantIds },
      }),
    );
    await this.announce(opening, participantIds);
    return { ...(await this.view(thread, participantIds, 0)), lastSeq: opening.seq };
  }

  /** The client's threads the caller takes part in (all of them under emergency access). */
  async list(auth: AuthContext, clientId: string): Promise<ThreadView[]> {
    const [grant] = (await this.access.requireAccess({ auth, permission: 'thread.list', ids: [clientId] })).values();
    const threads = await this.threads.threadsOfClient(grant.clientId, auth.providerId, grant.basis === 'emergency');
    const ids = threads.map((thread) => thread.id);
    const participants = await this.threads.participants(ids);
    const unread = await this.threads.unreadCounts(auth.providerId, ids);
    await this.audit.record(
      callerEntry(auth, {
        action: 'thread.list',
        resourceType: 'client',
        resourceId: grant.clientId,
        clientId: grant.clientId,
        outcome: 'success',
        details: { basis: grant.basis, count: threads.length },
      }),
    );
    return Promise.all(
      threads.map((thread) =>
        this.view(
          thread,
          participants.filter((participant) => participant.threadId === thread.id).map((p) => p.providerId),
          unread.get(thread.id) ?? 0,
        ),
      ),
    );
  }

  async get(auth: AuthContext, threadId: string): Promise<ThreadView> {
    const [grant] = (await this.access.requireAccess({ auth, permission: 'thread.read', ids: [threadId] })).values();
    const [thread] = await this.threads.findThreads([threadId.toLowerCase()]);
    const participants = (await this.threads.participants([thread.id])).map((participant) => participant.providerId);
    const unread = await this.threads.unreadCounts(auth.providerId, [thread.id]);
    await this.audit.record(
      callerEntry(auth, {
        action: 'thread.read',
        resourceType: 'thread',
        resourceId: thread.id,
        clientId: grant.clientId,
        outcome: 'success',
        details: { basis: grant.basis },
      }),
    );
    return this.view(thread, participants, unread.get(thread.id) ?? 0);
  }

  /** Adds covered colleagues to a thread the caller takes part in, with a system message saying so. */
  async addParticipants(auth: AuthContext, threadId: string, providerIds: string[]): Promise<ThreadView> {
    const [grant] = (await this.access.requireAccess({ auth, permission: 'thread.manage', ids: [threadId] })).values();
    const [thread] = await this.threads.findThreads([threadId.toLowerCase()]);
    const current = (await this.threads.participants([thread.id])).map((participant) => participant.providerId);
    const added = [...new Set(providerIds.map((id) => id.toLowerCase()))].filter((id) => !current.includes(id));
    if (added.length === 0) return this.get(auth, threadId);
    if (current.length + added.length > MAX_THREAD_PARTICIPANTS) {
      throw DomainException.invalid(`A thread holds at most ${MAX_THREAD_PARTICIPANTS} participants`, [
        { field: 'providerIds', problems: ['arrayMaxSize'] },
      ]);
    }
    await this.requireColleagues(auth, grant.clientId, added);
    const now = this.clock.now();
    const notice = await this.threads.addParticipants(
      added.map((providerId) => ({
        threadId: thread.id,
        providerId,
        addedBy: auth.providerId,
        addedAt: now,
        deliveredSeq: 0,
        readSeq: 0,
      })),
      await this.systemMessage(auth, thread, { event: 'participants_added', participantIds: added }),
    );
    await this.audit.record(
      callerEntry(auth, {
        action: 'thread.add_participants',
        resourceType: 'thread',
        resourceId: thread.id,
        clientId: grant.clientId,
        outcome: 'success',
        details: { participantIds: added },
      }),
    );
    const everyone = [...current, ...added];
    await this.announce(notice, everyone);
    return this.view({ ...thread, lastSeq: notice.seq }, everyone, 0);
  }

  /** Participants are active clinicians of the organisation whom the client's consent covers. */
  private async requireColleagues(auth: AuthContext, clientId: string, providerIds: string[]): Promise<void> {
    const known = new Map(
      (await this.directory.inOrganisation(auth.organisationId, providerIds)).map((p) => [p.id, p]),
    );
    const problems = providerIds.flatMap((id, index) => {
      const provider = known.get(id);
      const eligible = provider?.status === 'active' && (CLINICAL_ROLES as readonly string[]).includes(provider.role);
      return eligible ? [] : [{ field: `participantIds.${index}`, problems: ['unknownProvider'] }];
    });
    if (problems.length > 0)
      throw DomainException.invalid('Every participant must be an active clinician of your organisation', problems);
    const uncovered = await this.access.uncovered(clientId, providerIds);
    if (uncovered.length > 0) {
      throw new DomainException('consent_required', 'The client’s consent does not cover every participant', {
        providerIds: uncovered,
      });
    }
  }

  private async systemMessage(auth: AuthContext, thread: Thread, body: SystemBody): Promise<PendingMessage> {
    const id = randomUUID();
    return {
      id,
      threadId: thread.id,
      clientId: thread.clientId,
      senderId: auth.providerId,
      clientMessageId: `system:${id}`,
      kind: 'system',
      category: 'general',
      bodySealed: await this.reader.seal(thread.clientId, id, body),
      createdAt: this.clock.now(),
      priority: false,
      acknowledgeBy: null,
      amendsMessageId: null,
      state: 'current',
      stateChangedAt: null,
      stateChangedBy: null,
    };
  }

  /** Tells the participants the client's consent still covers (for the message's category). */
  private async announce(message: Message, participantIds: string[]): Promise<void> {
    const recipientIds = await this.access.covered(
      message.clientId,
      participantIds,
      message.category as ConsentCategory,
    );
    this.events.publish({ type: 'message.new', recipientIds, message: await this.reader.open(message) });
  }

  private async view(thread: Thread, participantIds: string[], unread: number): Promise<ThreadView> {
    return {
      threadId: thread.id,
      clientId: thread.clientId,
      subject: await this.keyring.decryptTextForClient(
        thread.clientId,
        thread.subjectSealed,
        subjectContext(thread.id),
      ),
      participantIds,
      createdBy: thread.createdBy,
      createdAt: thread.createdAt,
      lastSeq: thread.lastSeq,
      unread,
    };
  }
}
