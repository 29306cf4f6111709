import { Injectable } from '@nestjs/common';
import { type AuditEntry, AuditService } from '@sharedcare/audit';
import { InjectDataSource } from '@nestjs/typeorm';
import { concurrentBatches, DomainException, GroupCommit, type Settled } from '@sharedcare/common';
import { type AccessRequest, AccessService, type ConsentCategory } from '@sharedcare/consent';
import type { DataSource, EntityManager } from 'typeorm';
import type { Message } from './message.entity.js';
import { type PendingMessage, type SendKey, ThreadsRepository, type WithinSend } from './threads.repository.js';

/** A message to store, with what must hold at its commit and what records it. */
export interface AppendRequest {
  pending: PendingMessage;
  /**
   * The sender's access to the thread (a send), decided by the batch's transaction as it begins:
   * refused, the send is `not_found` (the refusal audited) and nothing of it is stored. It must
   * grant `pending.clientId`, the thread's client.
   */
  access?: AccessRequest;
  /** The category it discloses: whom the client's consent must cover at its commit. */
  category: ConsentCategory;
  /**
   * `refuse` (a send): every participant must be covered, else `consent_required`. `withhold` (a
   * notice the sender may always post, such as entered in error): stored anyway, and only those
   * covered hear of it.
   */
  uncovered?: 'refuse' | 'withhold';
  /** Work that commits or rolls back with this message alone (a referral it opens or moves). */
  withinTransaction?: WithinSend;
  /** The audit record of the send, and of its refusal; either commits in the same transaction. */
  sent: (message: Message) => AuditEntry;
  refused?: (providerIds: string[]) => AuditEntry;
}

export interface AppendOutcome {
  message: Message;
  /** False for a retry: the message the same sender already sent with this `clientMessageId`. */
  created: boolean;
  /** The participants the client's consent covered at the commit: whom it may reach live. */
  recipientIds: string[];
}

/** A concurrent retry of a send in the batch committed first; the batch is written again. */
class ConcurrentRetry extends Error {}

const sendKey = (send: SendKey) => `${send.threadId}\n${send.senderId}\n${send.clientMessageId}`;

/** Sends written together in one transaction, at most (larger batches wait longer for their commit). */
const MAX_BATCH = 64;

export function consentRequired(category: string, providerIds: string[]): DomainException {
  return new DomainException(
    'consent_required',
    `The client’s consent does not cover ${category} for every participant`,
    { providerIds },
  );
}

/**
 * Stores messages with group commit: a send is written at once while one of the writers
 * (concurrentBatches: one on the embedded database, a few on a server) is free; sends that arrive
 * while all are busy go together in the next transaction, with one consent check, one audit
 * append and one commit for all, so under load the database commits far less often than once per
 * message, and alone a send is written at once. Each send still stands alone: its own gapless
 * sequence number, idempotency, consent refusal and answer. A batch whose transaction fails (a
 * referral follow-up that lost a race, a lost connection) is written again one send at a time, so
 * one send's refusal is its own.
 */
@Injectable()
export class MessageAppender {
  private readonly batches: GroupCommit<AppendRequest, AppendOutcome>;

  constructor(
    private readonly threads: ThreadsRepository,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    @InjectDataSource() dataSource: DataSource,
  ) {
    this.batches = new GroupCommit((requests) => this.writeApart(requests), MAX_BATCH, concurrentBatches(dataSource));
  }

  /** Sends waiting for a free writer. */
  get waiting(): number {
    return this.batches.waiting;
  }

  /** Resolves once the message is committed (or was already); rejects with the send's own refusal. */
  append(request: AppendRequest): Promise<AppendOutcome> {
    return this.batches.submit(request);
  }

  private async writeApart(requests: AppendRequest[], attempt = 1): Promise<Settled<AppendOutcome>[]> {
    try {
      return await this.write(requests, attempt > 1);
    } catch (error) {
      // A retry of a stored send, or a concurrent one that has committed by now (the insert waited
      // for it): looking for every send's original, it is found this time.
      if (error instanceof ConcurrentRetry && attempt < 3) return this.writeApart(requests, attempt + 1);
      if (requests.length === 1) throw error;
      const settled: Settled<AppendOutcome>[] = [];
      for (const request of requests) {
        settled.push(
          await this.write([request], true).then(
            ([outcome]) => outcome,
            (alone: unknown) => ({ ok: false, error: alone }),
          ),
        );
      }
      return settled;
    }
  }

  /**
   * The access decision of each request that asks for one, within the batch's transaction: for each
   * request, the records of its refusal, or undefined where it may go on. A grant of another client than the
   * message's is a fault, never a send.
   */
  private async decideAccess(
    manager: EntityManager,
    requests: readonly AppendRequest[],
  ): Promise<(AuditEntry[] | undefined)[]> {
    const asking = requests.flatMap((request) => (request.access ? [request.access] : []));
    const decisions = asking.length > 0 ? await this.access.decideWithin(manager, asking) : [];
    let next = 0;
    return requests.map((request) => {
      if (!request.access) return undefined;
      const decision = decisions[next++];
      if (decision.refusals) return decision.refusals;
      if ([...decision.allowed.values()].some((grant) => grant.clientId !== request.pending.clientId)) {
        throw new Error('a send named a thread of another client than its message');
      }
      return undefined;
    });
  }

  /** The messages already stored for these sends (retries), by send. */
  private async storedFor(manager: EntityManager, requests: AppendRequest[]): Promise<Map<string, Message>> {
    if (requests.length === 0) return new Map();
    const stored = await this.threads.findSentWithin(
      manager,
      requests.map((request) => request.pending),
    );
    return new Map(stored.map((message) => [sendKey(message), message]));
  }

  /**
   * Writes a batch in one transaction. Retries are rare, so unless `lookForRetries`, the batch does
   * not look for every send's original first: a retry among the sends it stores shows as a conflict
   * on insert, and the batch is written again, looking (ConcurrentRetry). A send the consent check
   * would refuse is looked for at once: a retry of a stored send is answered with its original.
   */
  private async write(requests: AppendRequest[], lookForRetries: boolean): Promise<Settled<AppendOutcome>[]> {
    const questions = requests.map((request) => ({
      clientId: request.pending.clientId,
      threadId: request.pending.threadId,
      category: request.category,
    }));
    const settled: Settled<AppendOutcome>[] = new Array(requests.length);
    const retried = (index: number, message: Message) => {
      settled[index] = { ok: true, value: { message, created: false, recipientIds: [] } };
    };
    // A send repeated within the batch is answered like a retry of its first occurrence.
    const repeats = new Map<number, number>();
    let created: { index: number; message: Message; recipientIds: string[] }[] = [];
    let refusals: { index: number; records: AuditEntry[] }[] = [];
    let audited = false;
    await this.threads.transaction(async (manager) => {
      created = [];
      refusals = [];
      // Whoever may not send to the thread now goes no further: not even a retry is looked for.
      const refusers = await this.decideAccess(manager, requests);
      const granted = requests.flatMap((request, index) => {
        const records = refusers[index];
        if (records) refusals.push({ index, records });
        return records ? [] : [{ request, index }];
      });
      const stored = lookForRetries
        ? await this.storedFor(
            manager,
            granted.map(({ request }) => request),
          )
        : new Map<string, Message>();
      const first = new Map<string, number>();
      const fresh: number[] = [];
      for (const { request, index } of granted) {
        const key = sendKey(request.pending);
        const original = stored.get(key);
        if (original) retried(index, original);
        else if (first.has(key)) repeats.set(index, first.get(key) as number);
        else {
          first.set(key, index);
          fresh.push(index);
        }
      }
      // Inside the transaction, so a revocation that committed since the caller looked refuses the
      // send, and one in flight waits for this commit (and is told after this message): what it
      // answers holds at the commit, and so says whom the message may reach.
      const coverage = await this.access.coverageEach(
        fresh.map((index) => questions[index]),
        manager,
      );
      const refusing = fresh.filter(
        (index, position) => coverage[position].uncovered.length > 0 && requests[index].uncovered !== 'withhold',
      );
      const originals = lookForRetries
        ? new Map<string, Message>()
        : await this.storedFor(
            manager,
            refusing.map((index) => requests[index]),
          );
      const records: AuditEntry[] = [];
      const accepted: { index: number; recipientIds: string[] }[] = [];
      fresh.forEach((index, position) => {
        const request = requests[index];
        const { covered, uncovered } = coverage[position];
        if (uncovered.length === 0 || request.uncovered === 'withhold') {
          return accepted.push({ index, recipientIds: covered });
        }
        const original = originals.get(sendKey(request.pending));
        if (original) return retried(index, original);
        settled[index] = { ok: false, error: consentRequired(request.category, uncovered) };
        const refusal = request.refused?.(uncovered);
        if (refusal) records.push(refusal);
      });
      const messages = await this.threads.appendAllWithin(
        manager,
        accepted.map(({ index }) => requests[index].pending),
      );
      if (!messages) throw new ConcurrentRetry();
      for (const [position, { index, recipientIds }] of accepted.entries()) {
        await requests[index].withinTransaction?.(manager, messages[position]);
        records.push(requests[index].sent(messages[position]));
        created.push({ index, message: messages[position], recipientIds });
      }
      // The records commit with the messages: a crash cannot leave a message nobody accounts for.
      // They are linked into the chain after the commit, so concurrent batches never wait for each
      // other's commit on the chain's lock.
      await this.audit.recordLater(records, manager);
      audited = records.length > 0;
    });
    if (audited) this.audit.linkSoon();
    // After the commit (recording takes the audit chain's lock), the batch's refusals together, so a
    // flood of refused sends costs one record per batch; if recording fails, that failure is the
    // refused sends' answer, and the batch's stored messages stand.
    if (refusals.length > 0) {
      const answer = await this.audit.recordAll(refusals.flatMap(({ records }) => records)).then(
        () => DomainException.notFound(),
        (error: unknown) => error,
      );
      for (const { index } of refusals) settled[index] = { ok: false, error: answer };
    }
    // Committed: now, and only now, the others may hear of it.
    for (const { index, message, recipientIds } of created) {
      settled[index] = { ok: true, value: { message, created: true, recipientIds } };
    }
    for (const [index, original] of repeats) {
      const outcome = settled[original];
      settled[index] = outcome.ok
        ? { ok: true, value: { ...outcome.value, created: false, recipientIds: [] } }
        : outcome;
    }
    return settled;
  }
}
