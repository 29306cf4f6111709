import { DomainException } from '@sharedcare/common';
import { REFERRAL_STATUSES } from './message-vocabulary.js';
import { followUpTransition, REFERRAL_TRANSITIONS, type ReferralFacts, type ReferralUpdate } from './referrals.js';

const sender = 'a0000000-0000-4000-8000-000000000001';
const receiver = 'b0000000-0000-4000-8000-000000000002';
const referral = (status: ReferralFacts['status'], openingState: ReferralFacts['openingState'] = 'current') => ({
  messageId: 'c0000000-0000-4000-8000-000000000003',
  status,
  openedBy: sender,
  openingState,
  category: 'general',
});

function outcome(run: () => unknown): string {
  try {
    return `from ${String(run())}`;
  } catch (error) {
    return error instanceof DomainException ? error.code : 'threw';
  }
}

describe('followUpTransition', () => {
  it('allows exactly sent→accepted, sent→declined and accepted→completed', () => {
    const table = REFERRAL_STATUSES.flatMap((status) =>
      (Object.keys(REFERRAL_TRANSITIONS) as ReferralUpdate[]).map((update) => [
        `${status}→${update}`,
        outcome(() => followUpTransition(referral(status), receiver, update)),
      ]),
    );
    expect(Object.fromEntries(table)).toEqual({
      'sent→accepted': 'from sent',
      'sent→declined': 'from sent',
      'sent→completed': 'conflict',
      'accepted→accepted': 'conflict',
      'accepted→declined': 'conflict',
      'accepted→completed': 'from accepted',
      'declined→accepted': 'conflict',
      'declined→declined': 'conflict',
      'declined→completed': 'conflict',
      'completed→accepted': 'conflict',
      'completed→declined': 'conflict',
      'completed→completed': 'conflict',
    });
  });

  it('refuses a missing referral and its own sender as invalid, and an opening entered in error as conflict', () => {
    expect(outcome(() => followUpTransition(null, receiver, 'accepted'))).toBe('invalid');
    expect(outcome(() => followUpTransition(referral('sent'), sender, 'accepted'))).toBe('invalid');
    expect(outcome(() => followUpTransition(referral('sent', 'entered_in_error'), receiver, 'accepted'))).toBe(
      'conflict',
    );
  });
});
