import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { MessageState } from './message.entity.js';
import { Referral } from './message.entity.js';
import type { ReferralStatus } from './message-vocabulary.js';
import type { ReferralFacts } from './referrals.js';

/** A referral with what its opening message says about it (never its body). */
export interface ReferralRow {
  messageId: string;
  threadId: string;
  clientId: string;
  seq: number;
  direction: string;
  status: ReferralStatus;
  category: string;
  openedBy: string;
  openedAt: Date;
  openingState: MessageState;
  updatedAt: Date;
  updatedBy: string;
}

/**
 * SQL for referrals (CONVENTIONS 9, 11). Writes run inside the transaction that stores the message
 * making them (`manager`), so a referral and its messages never disagree.
 */
@Injectable()
export class ReferralsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async open(manager: EntityManager, referral: Referral): Promise<void> {
    await manager.insert(Referral, referral);
  }

  /** The referral opened by `messageId` in `threadId`, locked until the transaction ends. */
  async lockInThread(manager: EntityManager, messageId: string, threadId: string): Promise<ReferralFacts | null> {
    const rows: {
      message_id: string;
      status: ReferralStatus;
      sender_id: string;
      state: MessageState;
      category: string;
    }[] = await manager.query(
      `SELECT r.message_id, r.status, m.sender_id, m.state, m.category FROM referrals r
         JOIN messages m ON m.id = r.message_id
         WHERE r.message_id = $1 AND r.thread_id = $2 FOR UPDATE OF r`,
      [messageId, threadId],
    );
    const [row] = rows;
    return row
      ? {
          messageId: row.message_id,
          status: row.status,
          openedBy: row.sender_id,
          openingState: row.state,
          category: row.category,
        }
      : null;
  }

  /** Moves a referral from `from` to `to`; false when it no longer has status `from`. */
  async move(
    manager: EntityManager,
    change: { messageId: string; from: ReferralStatus; to: ReferralStatus; at: Date; by: string },
  ): Promise<boolean> {
    const [, affected] = (await manager.query(
      `UPDATE referrals SET status = $3, updated_at = $4, updated_by = $5 WHERE message_id = $1 AND status = $2`,
      [change.messageId, change.from, change.to, change.at, change.by],
    )) as [unknown, number];
    return affected === 1;
  }

  /** The thread's referrals in the order they were opened. */
  async inThread(threadId: string): Promise<ReferralRow[]> {
    const rows: {
      message_id: string;
      thread_id: string;
      client_id: string;
      seq: number;
      direction: string;
      status: ReferralStatus;
      category: string;
      sender_id: string;
      created_at: Date;
      state: MessageState;
      updated_at: Date;
      updated_by: string;
    }[] = await this.dataSource.query(
      `SELECT r.message_id, r.thread_id, r.client_id, m.seq, r.direction, r.status, m.category, m.sender_id,
         m.created_at, m.state, r.updated_at, r.updated_by
       FROM referrals r JOIN messages m ON m.id = r.message_id
       WHERE r.thread_id = $1 ORDER BY m.seq`,
      [threadId],
    );
    return rows.map((row) => ({
      messageId: row.message_id,
      threadId: row.thread_id,
      clientId: row.client_id,
      seq: row.seq,
      direction: row.direction,
      status: row.status,
      category: row.category,
      openedBy: row.sender_id,
      openedAt: row.created_at,
      openingState: row.state,
      updatedAt: row.updated_at,
      updatedBy: row.updated_by,
    }));
  }

  /** The status of each referral opened by one of `messageIds`. */
  async statuses(messageIds: readonly string[]): Promise<Map<string, ReferralStatus>> {
    if (messageIds.length === 0) return new Map();
    const rows: { message_id: string; status: ReferralStatus }[] = await this.dataSource.query(
      `SELECT message_id, status FROM referrals WHERE message_id = ANY($1::uuid[])`,
      [[...messageIds]],
    );
    return new Map(rows.map((row) => [row.message_id, row.status]));
  }
}
