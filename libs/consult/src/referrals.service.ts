import { Injectable } from '@nestjs/common';
import { AuditService, callerEntry } from '@sharedcare/audit';
import type { AuthContext } from '@sharedcare/auth';
import { AccessService } from '@sharedcare/consent';
import type { MessageState } from './message.entity.js';
import type { ReferralStatus } from './message-vocabulary.js';
import { ReferralsRepository } from './referrals.repository.js';

/** A referral as one reader may see it: direction and status withheld where their consent no longer covers it. */
export interface ReferralView {
  /** The opening message, which names the referral in its follow-ups. */
  referralMessageId: string;
  threadId: string;
  clientId: string;
  seq: number;
  category: string;
  openedBy: string;
  openedAt: Date;
  /** The opening message's state (`entered_in_error`: the referral takes no more follow-ups). */
  messageState: MessageState;
  direction: string | null;
  status: ReferralStatus | null;
  updatedAt: Date;
  updatedBy: string;
  withheld?: 'consent_required';
}

/** Referrals of a thread, opened and moved on by `referral` messages (MessagesService.send). */
@Injectable()
export class ReferralsService {
  constructor(
    private readonly access: AccessService,
    private readonly referrals: ReferralsRepository,
    private readonly audit: AuditService,
  ) {}

  /** The thread's referrals with their status, in the order they were opened. */
  async list(auth: AuthContext, threadId: string): Promise<ReferralView[]> {
    const [grant] = (await this.access.requireAccess({ auth, permission: 'thread.read', ids: [threadId] })).values();
    const id = threadId.toLowerCase();
    const rows = await this.referrals.inThread(id);
    await this.audit.record(
      callerEntry(auth, {
        action: 'referral.list',
        resourceType: 'thread',
        resourceId: id,
        clientId: grant.clientId,
        outcome: 'success',
        details: { basis: grant.basis, count: rows.length },
      }),
    );
    // As in the history: a consent reader sees what the opening disclosed only within their categories.
    const everything = grant.basis !== 'consent';
    return rows.map((row): ReferralView => {
      const view: ReferralView = {
        referralMessageId: row.messageId,
        threadId: row.threadId,
        clientId: row.clientId,
        seq: row.seq,
        category: row.category,
        openedBy: row.openedBy,
        openedAt: row.openedAt,
        messageState: row.openingState,
        direction: row.direction,
        status: row.status,
        updatedAt: row.updatedAt,
        updatedBy: row.updatedBy,
      };
      if (everything || grant.categories.includes(row.category)) return view;
      return { ...view, direction: null, status: null, withheld: 'consent_required' };
    });
  }
}
