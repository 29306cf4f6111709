import { DomainException } from '@sharedcare/common';
import type { ReferralBody } from './message-bodies.js';
import type { MessageState } from './message.entity.js';
import { REFERRAL_UPDATES, type ReferralStatus } from './message-vocabulary.js';

export type ReferralUpdate = (typeof REFERRAL_UPDATES)[number];

/**
 * The one status each follow-up may move a referral from (DESIGN.md, The consult thread): the
 * receiver accepts or declines a sent referral, and completes an accepted one. Every target has a
 * single source, so the optimistic update can name the status it expects.
 */
export const REFERRAL_TRANSITIONS: Record<ReferralUpdate, ReferralStatus> = {
  accepted: 'sent',
  declined: 'sent',
  completed: 'accepted',
};

/** What a follow-up needs to know about the referral it answers, read inside its transaction. */
export interface ReferralFacts {
  messageId: string;
  status: ReferralStatus;
  /** Who sent the opening message. */
  openedBy: string;
  /** The opening message's state: an opening entered in error takes no more follow-ups. */
  openingState: MessageState;
  /** The opening message's consent category. */
  category: string;
}

/** An opening carries direction, reasons and urgency; a follow-up names its referral and status. */
export function isReferralOpening(body: ReferralBody): boolean {
  return body.referralMessageId === undefined;
}

const referralField = (problem: string) => [{ field: 'body.referralMessageId', problems: [problem] }];

/**
 * Checks a follow-up by `senderId` against the referral it names (null: no such referral in the
 * thread) and returns the status the referral must still have for the change to apply.
 */
export function followUpTransition(
  referral: ReferralFacts | null,
  senderId: string,
  update: ReferralUpdate,
): ReferralStatus {
  if (!referral) throw DomainException.invalid('No such referral in this thread', referralField('unknownReferral'));
  if (referral.openedBy === senderId) {
    throw DomainException.invalid(
      'A referral is answered by its receiver, not its sender',
      referralField('ownReferral'),
    );
  }
  if (referral.openingState !== 'current') throw DomainException.conflict('The referral was entered in error');
  const from = REFERRAL_TRANSITIONS[update];
  if (referral.status !== from) throw DomainException.conflict(`A ${referral.status} referral cannot be ${update}`);
  return from;
}
