import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { insertRows, isUuid, preparedQuery, rowArrays } from '@sharedcare/common';
import { type DataSource, type EntityManager, In } from 'typeorm';
import { Message, MessageAcknowledgement, type MessageState } from './message.entity.js';
import { Thread, ThreadParticipant } from './thread.entity.js';

/** What makes a send the same send again (a retry). */
export type SendKey = Pick<Message, 'threadId' | 'senderId' | 'clientMessageId'>;

/** A message to append: everything but its sequence, which the sending transaction assigns. */
export type PendingMessage = Omit<Message, 'seq'>;

/**
 * Work that must commit or roll back with a newly appended message (a referral it opens or moves,
 * the original it amends). Runs after the message is stored, under the thread's row lock; throwing
 * rolls the message back too.
 */
export type WithinSend = (manager: EntityManager, message: Message) => Promise<void>;

/** Appends one message: the thread's row lock orders concurrent senders; a rollback gives the number back. */
async function appendMessage(manager: EntityManager, pending: PendingMessage): Promise<Message | null> {
  const [[{ last_seq: seq }]] = (await manager.query(
    `UPDATE threads SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq`,
    [pending.threadId],
  )) as [[{ last_seq: number }], number];
  const message: Message = { ...pending, seq };
  return (await insertRows(manager, Message, [message], { ignoreConflicts: true })) === 1 ? message : null;
}

/** Threads whose client this process remembers, at most (the oldest remembered goes first). */
const CLIENT_OF_CACHED = 10_000;

/** SQL for threads, participants, messages and receipts (CONVENTIONS 9, 11). */
@Injectable()
export class ThreadsRepository {
  /** A thread's client never changes and a thread is never deleted, so what was read stays true. */
  private readonly clientOfThread = new Map<string, string>();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The client of thread `threadId` (in any case), or null if there is no such thread. Not an access decision. */
  async clientOf(id: string): Promise<string | null> {
    // One cache entry per thread, however its id is spelled.
    const threadId = id.toLowerCase();
    const known = this.clientOfThread.get(threadId);
    if (known !== undefined) return known;
    if (!isUuid(threadId)) return null;
    const [row] = await preparedQuery<{ client_id: string }>(
      this.dataSource,
      `SELECT client_id FROM threads WHERE id = $1`,
      [threadId],
    );
    if (!row) return null;
    if (this.clientOfThread.size >= CLIENT_OF_CACHED) {
      this.clientOfThread.delete(this.clientOfThread.keys().next().value as string);
    }
    this.clientOfThread.set(threadId, row.client_id);
    return row.client_id;
  }

  /** The thread, its participants and its opening system message, together. */
  async create(thread: Thread, participants: ThreadParticipant[], opening: PendingMessage): Promise<Message> {
    return this.dataSource.transaction(async (manager) => {
      await manager.insert(Thread, thread);
      await manager.insert(ThreadParticipant, participants);
      const message = await appendMessage(manager, opening);
      if (!message) throw new Error('a new thread already had its opening message');
      return message;
    });
  }

  /** Runs `work` in one transaction; the manager it gets is an opaque handle for this repository's `*Within` methods. */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** Messages already stored for these sends (same thread, sender and `clientMessageId`): retries. */
  findSentWithin(manager: EntityManager, sends: readonly SendKey[]): Promise<Message[]> {
    if (sends.length === 0) return Promise.resolve([]);
    return manager
      .getRepository(Message)
      .createQueryBuilder('message')
      .where(
        `("message"."thread_id", "message"."sender_id", "message"."client_message_id") IN
           (SELECT * FROM unnest(:threadIds::uuid[], :senderIds::uuid[], :keys::varchar[]))`,
        {
          threadIds: sends.map((send) => send.threadId),
          senderIds: sends.map((send) => send.senderId),
          keys: sends.map((send) => send.clientMessageId),
        },
      )
      .getMany();
  }

  /**
   * Appends messages in the caller's transaction, each with the next sequence number of its thread
   * in the order given, in one statement: the threads' rows are locked in id order (so concurrent
   * batches never wait on each other in a cycle), each counter moves once, and the rows go in
   * numbered from where their thread's counter stood. Null when a concurrent retry stored one of
   * them meanwhile: the caller must roll back.
   */
  async appendAllWithin(manager: EntityManager, pending: readonly PendingMessage[]): Promise<Message[] | null> {
    if (pending.length === 0) return [];
    // Until the statement adds its thread's counter, a row's `seq` is its place in its thread's share.
    const counts = new Map<string, number>();
    const placed = pending.map((message): Message => {
      const place = (counts.get(message.threadId) ?? 0) + 1;
      counts.set(message.threadId, place);
      return { ...message, seq: place };
    });
    const threadIds = [...counts.keys()].sort();
    const { names, arrays, values } = rowArrays(manager, Message, placed, 2);
    const seq = '"seq"';
    const stored = await preparedQuery<{ id: string; seq: number }>(
      manager,
      `WITH moved AS (
         UPDATE threads t SET last_seq = t.last_seq + c.n
         FROM unnest($1::uuid[], $2::int[]) AS c(id, n),
              (SELECT id FROM threads WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE) AS locked
         WHERE t.id = c.id AND locked.id = c.id RETURNING t.id, t.last_seq - c.n AS counter)
       INSERT INTO messages (${names.join(', ')})
       SELECT ${names.map((name) => (name === seq ? `moved.counter + r.${seq}` : `r.${name}`)).join(', ')}
       FROM unnest(${arrays.join(', ')}) AS r(${names.join(', ')}) JOIN moved ON moved.id = r."thread_id"
       ON CONFLICT DO NOTHING RETURNING id, seq`,
      [threadIds, threadIds.map((threadId) => counts.get(threadId)), ...values],
    );
    if (stored.length !== pending.length) return null;
    const seqs = new Map(stored.map((row) => [row.id, row.seq]));
    return placed.map((message) => ({ ...message, seq: seqs.get(message.id) as number }));
  }

  /** Adds participants and posts the system message saying so, together. */
  async addParticipants(participants: ThreadParticipant[], notice: PendingMessage): Promise<Message> {
    return this.dataSource.transaction(async (manager) => {
      await manager.createQueryBuilder().insert().into(ThreadParticipant).values(participants).orIgnore().execute();
      const message = await appendMessage(manager, notice);
      if (!message) throw new Error('duplicate system message');
      return message;
    });
  }

  /**
   * Moves a `current` message to `state`, recording who and when, inside a send's transaction;
   * false when it is no longer current (amended or entered in error meanwhile).
   */
  async changeState(
    manager: EntityManager,
    change: { messageId: string; state: Exclude<MessageState, 'current'>; at: Date; by: string },
  ): Promise<boolean> {
    const [, affected] = (await manager.query(
      `UPDATE messages SET state = $2, state_changed_at = $3, state_changed_by = $4 WHERE id = $1 AND state = 'current'`,
      [change.messageId, change.state, change.at, change.by],
    )) as [unknown, number];
    return affected === 1;
  }

  findSent(threadId: string, senderId: string, clientMessageId: string): Promise<Message | null> {
    return this.dataSource.getRepository(Message).findOneBy({ threadId, senderId, clientMessageId });
  }

  findThreads(ids: readonly string[]): Promise<Thread[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.dataSource.getRepository(Thread).findBy({ id: In([...ids]) });
  }

  /** The client's threads the provider takes part in, or all of them (`everyThread`), newest first. */
  threadsOfClient(clientId: string, providerId: string, everyThread: boolean): Promise<Thread[]> {
    const query = this.dataSource
      .getRepository(Thread)
      .createQueryBuilder('thread')
      .where('thread.clientId = :clientId', { clientId })
      .orderBy('thread.createdAt', 'DESC')
      .addOrderBy('thread.id', 'ASC');
    if (!everyThread) {
      query.andWhere(
        'EXISTS (SELECT 1 FROM thread_participants p WHERE p.thread_id = thread.id AND p.provider_id = :providerId)',
        { providerId },
      );
    }
    return query.getMany();
  }

  participants(threadIds: readonly string[]): Promise<ThreadParticipant[]> {
    if (threadIds.length === 0) return Promise.resolve([]);
    return this.dataSource
      .getRepository(ThreadParticipant)
      .find({ where: { threadId: In([...threadIds]) }, order: { addedAt: 'ASC', providerId: 'ASC' } });
  }

  /** Messages after `afterSeq`, in order, at most `limit`. */
  messagesAfter(threadId: string, afterSeq: number, limit: number): Promise<Message[]> {
    return this.dataSource
      .getRepository(Message)
      .createQueryBuilder('message')
      .where('message.threadId = :threadId AND message.seq > :afterSeq', { threadId, afterSeq })
      .orderBy('message.seq', 'ASC')
      .limit(limit)
      .getMany();
  }

  findMessages(ids: readonly string[]): Promise<Message[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.dataSource.getRepository(Message).findBy({ id: In([...ids]) });
  }

  /**
   * Moves a participant's delivered or read position forward to `uptoSeq` (never back, never past
   * the thread's last message); returns the position now stored.
   */
  async advance(threadId: string, providerId: string, column: 'delivered_seq' | 'read_seq', uptoSeq: number) {
    // Reading a message implies it was delivered.
    const set =
      column === 'read_seq'
        ? `read_seq = GREATEST(p.read_seq, LEAST($3, t.last_seq)), delivered_seq = GREATEST(p.delivered_seq, LEAST($3, t.last_seq))`
        : `delivered_seq = GREATEST(p.delivered_seq, LEAST($3, t.last_seq))`;
    const rows = (await this.dataSource.query(
      `UPDATE thread_participants p SET ${set}
       FROM threads t WHERE t.id = p.thread_id AND p.thread_id = $1 AND p.provider_id = $2
       RETURNING p.${column} AS position`,
      [threadId, providerId, uptoSeq],
    )) as [{ position: number }[], number];
    return rows[0][0]?.position ?? 0;
  }

  /** Records an acknowledgement; a second one by the same provider keeps the first time. */
  async acknowledge(acknowledgement: MessageAcknowledgement): Promise<MessageAcknowledgement> {
    await this.dataSource
      .createQueryBuilder()
      .insert()
      .into(MessageAcknowledgement)
      .values(acknowledgement)
      .orIgnore()
      .execute();
    return this.dataSource
      .getRepository(MessageAcknowledgement)
      .findOneByOrFail({ messageId: acknowledgement.messageId, providerId: acknowledgement.providerId });
  }

  /**
   * The acknowledgements of the thread's messages after `afterSeq` up to `uptoSeq`, in the order
   * given, each with
   * its message's kind and category (who may see it depends on them).
   */
  async acknowledgementsBetween(
    threadId: string,
    afterSeq: number,
    uptoSeq: number,
  ): Promise<(MessageAcknowledgement & Pick<Message, 'kind' | 'category'>)[]> {
    const rows: {
      message_id: string;
      provider_id: string;
      acknowledged_at: Date;
      kind: Message['kind'];
      category: Message['category'];
    }[] = await this.dataSource.query(
      `SELECT a.message_id, a.provider_id, a.acknowledged_at, m.kind, m.category
           FROM message_acknowledgements a JOIN messages m ON m.id = a.message_id
          WHERE m.thread_id = $1 AND m.seq > $2 AND m.seq <= $3
          ORDER BY a.acknowledged_at, a.message_id, a.provider_id`,
      [threadId, afterSeq, uptoSeq],
    );
    return rows.map((row) => ({
      messageId: row.message_id,
      providerId: row.provider_id,
      acknowledgedAt: row.acknowledged_at,
      kind: row.kind,
      category: row.category,
    }));
  }

  /** Unread messages from others per thread, for one provider. */
  async unreadCounts(providerId: string, threadIds: readonly string[]): Promise<Map<string, number>> {
    if (threadIds.length === 0) return new Map();
    const rows: { thread_id: string; unread: number }[] = await this.dataSource.query(
      `SELECT p.thread_id, count(m.id)::int AS unread FROM thread_participants p
       LEFT JOIN messages m ON m.thread_id = p.thread_id AND m.seq > p.read_seq AND m.sender_id <> p.provider_id
       WHERE p.provider_id = $1 AND p.thread_id = ANY($2::uuid[]) GROUP BY p.thread_id`,
      [providerId, [...threadIds]],
    );
    return new Map(rows.map((row) => [row.thread_id, row.unread]));
  }

  /**
   * Clinical acknowledgements past due at `now` that involve the provider: those they owe (a
   * participant who has not acknowledged another's message) and those owed to them (their
   * message, not yet acknowledged by some participant).
   */
  async overdue(providerId: string, now: Date): Promise<{ message_id: string; provider_id: string }[]> {
    return this.dataSource.query(
      `SELECT m.id AS message_id, p.provider_id FROM messages m
       JOIN thread_participants p ON p.thread_id = m.thread_id AND p.provider_id <> m.sender_id AND p.added_at <= m.created_at
       WHERE m.acknowledge_by IS NOT NULL AND m.acknowledge_by <= $2 AND m.state = 'current'
         AND (m.sender_id = $1 OR p.provider_id = $1)
         AND NOT EXISTS (SELECT 1 FROM message_acknowledgements a WHERE a.message_id = m.id AND a.provider_id = p.provider_id)
       ORDER BY m.acknowledge_by, m.id, p.provider_id LIMIT 500`,
      [providerId, now],
    );
  }
}
