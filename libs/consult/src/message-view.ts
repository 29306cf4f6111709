import type { MessageBody } from './message-bodies.js';
import type { MessageState } from './message.entity.js';
import type { MessageKind, ReferralStatus } from './message-vocabulary.js';

/** A message as its readers see it (bodies opened; notices the payload must carry added). */
export interface MessageView {
  messageId: string;
  threadId: string;
  clientId: string;
  seq: number;
  senderId: string;
  clientMessageId: string;
  kind: MessageKind;
  category: string;
  body: MessageBody | SystemBody;
  createdAt: Date;
  priority: boolean;
  acknowledgeBy: Date | null;
  amendsMessageId: string | null;
  state: MessageState;
  stateChangedAt: Date | null;
  stateChangedBy: string | null;
  /** On a referral's opening message: where the referral stands now (its follow-ups move it). */
  referralStatus?: ReferralStatus;
  /** On an amendment, when its sender gave one: why the original was amended. */
  amendmentReason?: string;
  /** On every imminent-risk safety concern. */
  crisisLine?: { name: string; phone: string; text: string };
  /** On every disclosure of substance-use information (42 CFR 2.32). */
  redisclosureNotice?: string;
}

/**
 * What the service itself writes into a thread. An `entered_in_error` notice carries the category
 * of the message it marks (its reason may say as much as the message did).
 */
export type SystemBody =
  | { event: 'thread_opened'; participantIds: string[] }
  | { event: 'participants_added'; participantIds: string[] }
  | { event: 'entered_in_error'; messageId: string; reason: string };
