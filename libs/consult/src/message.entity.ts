import { Column, Entity, Index, PrimaryColumn, Unique } from 'typeorm';
import type { MessageKind } from './message-vocabulary.js';

export const MESSAGE_STATES = ['current', 'amended', 'entered_in_error'] as const;
export type MessageState = (typeof MESSAGE_STATES)[number];

/**
 * One message of a thread. Never deleted and never rewritten: an amendment is a new message
 * (`amendsMessageId`), and the original only gains its state and who changed it when.
 */
@Entity({ name: 'messages' })
@Unique('UQ_messages_thread_seq', ['threadId', 'seq'])
@Unique('UQ_messages_sender_client_message', ['threadId', 'senderId', 'clientMessageId'])
@Index('IDX_messages_client_kind', ['clientId', 'kind', 'createdAt'])
export class Message {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'thread_id', type: 'uuid' })
  threadId: string;

  @Column({ name: 'client_id', type: 'uuid' })
  clientId: string;

  /** 1, 2, 3, ... per thread with no gaps, assigned in the sending transaction. */
  @Column({ type: 'integer' })
  seq: number;

  @Column({ name: 'sender_id', type: 'uuid' })
  senderId: string;

  /** The sender's idempotency key: a retry with the same key returns this message. */
  @Column({ name: 'client_message_id', type: 'varchar', length: 64 })
  clientMessageId: string;

  @Column({ type: 'varchar', length: 32 })
  kind: MessageKind;

  @Column({ type: 'varchar', length: 32 })
  category: string;

  @Column({ name: 'body_sealed', type: 'text' })
  bodySealed: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  /** Delivered ahead of the rest (imminent risk). */
  @Column({ type: 'boolean', default: false })
  priority: boolean;

  /** When a clinical acknowledgement is due (medication changes and safety concerns). */
  @Column({ name: 'acknowledge_by', type: 'timestamptz', nullable: true })
  acknowledgeBy: Date | null;

  @Column({ name: 'amends_message_id', type: 'uuid', nullable: true })
  amendsMessageId: string | null;

  @Column({ type: 'varchar', length: 24, default: 'current' })
  state: MessageState;

  @Column({ name: 'state_changed_at', type: 'timestamptz', nullable: true })
  stateChangedAt: Date | null;

  @Column({ name: 'state_changed_by', type: 'uuid', nullable: true })
  stateChangedBy: string | null;
}

/** A participant's explicit clinical acknowledgement of a message. */
@Entity({ name: 'message_acknowledgements' })
export class MessageAcknowledgement {
  @PrimaryColumn({ name: 'message_id', type: 'uuid' })
  messageId: string;

  @PrimaryColumn({ name: 'provider_id', type: 'uuid' })
  providerId: string;

  @Column({ name: 'acknowledged_at', type: 'timestamptz' })
  acknowledgedAt: Date;
}

/** A referral opened by a `referral` message, moved on by follow-up messages. */
@Entity({ name: 'referrals' })
@Index('IDX_referrals_thread', ['threadId'])
export class Referral {
  @PrimaryColumn({ name: 'message_id', type: 'uuid' })
  messageId: string;

  @Column({ name: 'thread_id', type: 'uuid' })
  threadId: string;

  @Column({ name: 'client_id', type: 'uuid' })
  clientId: string;

  @Column({ type: 'varchar', length: 16 })
  direction: string;

  @Column({ type: 'varchar', length: 16 })
  status: string;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column({ name: 'updated_by', type: 'uuid' })
  updatedBy: string;
}
