import { trimString } from '@sharedcare/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CONSENT_CATEGORIES, type ConsentCategory } from '@sharedcare/consent';
import {
  type Amendment,
  type EnteredInError,
  type HistoryPage,
  MAX_SEQ,
  MESSAGE_KINDS,
  MESSAGE_STATES,
  type MessageKind,
  type OverdueAcknowledgement,
  type ReadableMessage,
  REFERRAL_DIRECTIONS,
  REFERRAL_STATUSES,
  type ReferralView,
  SENDABLE_KINDS,
  type ThreadView,
} from '@sharedcare/consult';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';

export class ThreadIdParam {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all')
  threadId: string;
}

export class MessageIdParam {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all')
  messageId: string;
}

export class ThreadListQuery {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all')
  clientId: string;
}

export class CreateThreadDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all')
  clientId: string;

  @ApiProperty({ example: 'Medication review', maxLength: 200 })
  @Transform(trimString)
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  subject: string;

  @ApiProperty({ type: [String], description: 'Colleagues covered by the client’s consent; the caller is added.' })
  @IsArray()
  @ArrayMaxSize(19)
  @IsUUID('all', { each: true })
  participantIds: string[];
}

export class AddParticipantsDto {
  @ApiProperty({ type: [String] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(19)
  @IsUUID('all', { each: true })
  providerIds: string[];
}

export class HistoryQuery {
  @ApiPropertyOptional({ description: 'Messages after this sequence (0: from the start).', default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_SEQ)
  after?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;
}

export class SendMessageDto {
  @ApiProperty({
    example: '5b0e3b4e-6d1f-4a44-8f0e-0c9a1d3e2f10',
    description: 'The sender’s idempotency key: a retry with the same key returns the original.',
  })
  @IsString()
  @Matches(/^[A-Za-z0-9._:-]{1,64}$/)
  clientMessageId: string;

  @ApiProperty({ enum: SENDABLE_KINDS })
  @IsIn(SENDABLE_KINDS)
  kind: MessageKind;

  @ApiProperty({ enum: CONSENT_CATEGORIES, description: 'What the message discloses.' })
  @IsIn(CONSENT_CATEGORIES)
  category: ConsentCategory;

  @ApiProperty({ type: Object, description: 'Validated against the kind (DESIGN.md, Message bodies).' })
  @IsObject()
  body: Record<string, unknown>;
}

export class AmendMessageDto {
  @ApiProperty({ description: 'The sender’s idempotency key: a retry with the same key returns the amendment.' })
  @IsString()
  @Matches(/^[A-Za-z0-9._:-]{1,64}$/)
  clientMessageId: string;

  @ApiProperty({
    type: Object,
    description: 'The corrected body, validated against the original’s kind (DESIGN.md, Message bodies).',
  })
  @IsObject()
  body: Record<string, unknown>;

  @ApiPropertyOptional({ maxLength: 2000, description: 'Why: kept sealed with the amendment.' })
  @IsOptional()
  @Transform(trimString)
  @IsString()
  @MinLength(1)
  @MaxLength(2000)
  reason?: string;
}

export class EnteredInErrorDto {
  @ApiProperty({ maxLength: 2000, description: 'Why: carried, sealed, by the notice posted in the thread.' })
  @Transform(trimString)
  @IsString()
  @MinLength(1)
  @MaxLength(2000)
  reason: string;
}

export class ReadDto {
  @ApiProperty({ minimum: 0 })
  @IsInt()
  @Min(0)
  @Max(MAX_SEQ)
  uptoSeq: number;
}

export class MessageResponse {
  @ApiProperty({ format: 'uuid' }) messageId: string;
  @ApiProperty({ format: 'uuid' }) threadId: string;
  @ApiProperty({ format: 'uuid' }) clientId: string;
  @ApiProperty() seq: number;
  @ApiProperty({ format: 'uuid' }) senderId: string;
  @ApiProperty() clientMessageId: string;
  @ApiProperty({ enum: MESSAGE_KINDS }) kind: MessageKind;
  @ApiProperty({ enum: CONSENT_CATEGORIES }) category: string;
  @ApiProperty({ type: Object, nullable: true }) body: unknown;
  @ApiPropertyOptional({ enum: ['consent_required'], description: 'Body withheld: your consent no longer covers it.' })
  withheld?: 'consent_required';
  @ApiProperty() createdAt: string;
  @ApiProperty() priority: boolean;
  @ApiProperty({ nullable: true, type: String }) acknowledgeBy: string | null;
  @ApiProperty({ nullable: true, type: String }) amendsMessageId: string | null;
  @ApiProperty({ enum: MESSAGE_STATES }) state: string;
  @ApiProperty({ nullable: true, type: String }) stateChangedAt: string | null;
  @ApiProperty({ nullable: true, type: String }) stateChangedBy: string | null;
  @ApiPropertyOptional({
    enum: REFERRAL_STATUSES,
    description: 'On a referral’s opening message: where the referral stands now.',
  })
  referralStatus?: string;
  @ApiPropertyOptional({ description: 'On an amendment, when its sender gave one: why.' })
  amendmentReason?: string;
  @ApiPropertyOptional({ description: 'The 988 crisis line, on imminent-risk safety concerns.' })
  crisisLine?: { name: string; phone: string; text: string };
  @ApiPropertyOptional({ description: 'The 42 CFR 2.32 notice, on substance-use disclosures.' })
  redisclosureNotice?: string;
}

export class AmendmentResponse {
  @ApiProperty({ type: MessageResponse, description: 'The new message, linked by amendsMessageId.' })
  amendment: MessageResponse;
  @ApiProperty({ type: MessageResponse, description: 'The original, kept and marked amended.' })
  original: MessageResponse;
}

export class EnteredInErrorResponse {
  @ApiProperty({ type: MessageResponse, description: 'The original, kept and marked entered_in_error.' })
  original: MessageResponse;
  @ApiProperty({ type: MessageResponse, description: 'The system notice posted in the thread.' })
  notice: MessageResponse;
}

export class ReferralResponse {
  @ApiProperty({ format: 'uuid', description: 'The opening message; follow-ups name it.' }) referralMessageId: string;
  @ApiProperty({ format: 'uuid' }) threadId: string;
  @ApiProperty({ format: 'uuid' }) clientId: string;
  @ApiProperty() seq: number;
  @ApiProperty({ enum: CONSENT_CATEGORIES }) category: string;
  @ApiProperty({ format: 'uuid' }) openedBy: string;
  @ApiProperty() openedAt: string;
  @ApiProperty({ enum: MESSAGE_STATES, description: 'The opening message’s state.' }) messageState: string;
  @ApiProperty({ enum: REFERRAL_DIRECTIONS, nullable: true, type: String }) direction: string | null;
  @ApiProperty({ enum: REFERRAL_STATUSES, nullable: true, type: String }) status: string | null;
  @ApiProperty() updatedAt: string;
  @ApiProperty({ format: 'uuid' }) updatedBy: string;
  @ApiPropertyOptional({
    enum: ['consent_required'],
    description: 'Direction and status withheld: your consent no longer covers the referral’s category.',
  })
  withheld?: 'consent_required';
}

export class ReferralListResponse {
  @ApiProperty({ type: [ReferralResponse] }) referrals: ReferralResponse[];
}

export class ParticipantPositionResponse {
  @ApiProperty({ format: 'uuid' }) providerId: string;
  @ApiProperty({ description: 'Everything up to this sequence has reached one of their devices.' })
  deliveredSeq: number;
  @ApiProperty({ description: 'Everything up to this sequence has been read by them.' }) readSeq: number;
}

export class AcknowledgementResponse {
  @ApiProperty({ format: 'uuid' }) messageId: string;
  @ApiProperty({ format: 'uuid' }) providerId: string;
  @ApiProperty() acknowledgedAt: string;
}

export class ThreadReceiptsResponse {
  @ApiProperty({ type: [ParticipantPositionResponse], description: 'Every participant’s delivered and read position.' })
  positions: ParticipantPositionResponse[];
  @ApiProperty({
    type: [AcknowledgementResponse],
    description: 'Clinical acknowledgements of this page’s messages; none for a message whose body is withheld.',
  })
  acknowledgements: AcknowledgementResponse[];
}

export class MessagePageResponse {
  @ApiProperty({ type: [MessageResponse] }) messages: MessageResponse[];
  @ApiProperty({ nullable: true, type: Number, description: 'Pass as `after` for the next page.' })
  nextAfter: number | null;
  @ApiProperty({
    type: ThreadReceiptsResponse,
    description: 'What live `receipt` events said before this reader arrived: positions, and acknowledgements.',
  })
  receipts: ThreadReceiptsResponse;
}

export class ThreadResponse {
  @ApiProperty({ format: 'uuid' }) threadId: string;
  @ApiProperty({ format: 'uuid' }) clientId: string;
  @ApiProperty() subject: string;
  @ApiProperty({ type: [String] }) participantIds: string[];
  @ApiProperty({ format: 'uuid' }) createdBy: string;
  @ApiProperty() createdAt: string;
  @ApiProperty() lastSeq: number;
  @ApiProperty() unread: number;
}

export class ThreadListResponse {
  @ApiProperty({ type: [ThreadResponse] }) threads: ThreadResponse[];
}

export class ReadResponse {
  @ApiProperty({ format: 'uuid' }) threadId: string;
  @ApiProperty() readSeq: number;
}

export class AcknowledgeResponse {
  @ApiProperty({ format: 'uuid' }) messageId: string;
  @ApiProperty() acknowledgedAt: string;
}

export class OverdueResponseEntry {
  @ApiProperty({ format: 'uuid' }) messageId: string;
  @ApiProperty({ format: 'uuid' }) threadId: string;
  @ApiProperty({ format: 'uuid' }) clientId: string;
  @ApiProperty({ enum: ['medication_change', 'safety_concern'] }) kind: string;
  @ApiProperty() acknowledgeBy: string;
  @ApiProperty({ format: 'uuid' }) senderId: string;
  @ApiProperty({ format: 'uuid', description: 'Who has not acknowledged.' }) providerId: string;
}

export class OverdueResponse {
  @ApiProperty({ type: [OverdueResponseEntry] }) owedByMe: OverdueResponseEntry[];
  @ApiProperty({ type: [OverdueResponseEntry] }) owedToMe: OverdueResponseEntry[];
}

const iso = (date: Date | null) => date?.toISOString() ?? null;

export function mapMessage(message: ReadableMessage): MessageResponse {
  return {
    ...message,
    createdAt: message.createdAt.toISOString(),
    acknowledgeBy: iso(message.acknowledgeBy),
    stateChangedAt: iso(message.stateChangedAt),
  };
}

export function mapHistoryPage(page: HistoryPage): MessagePageResponse {
  return {
    messages: page.messages.map(mapMessage),
    nextAfter: page.nextAfter,
    receipts: {
      positions: page.receipts.positions,
      acknowledgements: page.receipts.acknowledgements.map((entry) => ({
        ...entry,
        acknowledgedAt: entry.acknowledgedAt.toISOString(),
      })),
    },
  };
}

export function mapAmendment(result: Amendment): AmendmentResponse {
  return { amendment: mapMessage(result.amendment), original: mapMessage(result.original) };
}

export function mapEnteredInError(result: EnteredInError): EnteredInErrorResponse {
  return { original: mapMessage(result.original), notice: mapMessage(result.notice) };
}

export function mapReferral(referral: ReferralView): ReferralResponse {
  return { ...referral, openedAt: referral.openedAt.toISOString(), updatedAt: referral.updatedAt.toISOString() };
}

export function mapThread(thread: ThreadView): ThreadResponse {
  return { ...thread, createdAt: thread.createdAt.toISOString() };
}

export function mapOverdue(entry: OverdueAcknowledgement): OverdueResponseEntry {
  return { ...entry, acknowledgeBy: entry.acknowledgeBy.toISOString() };
}
