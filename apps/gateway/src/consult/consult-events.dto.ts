import { CONSENT_CATEGORIES, type ConsentCategory } from '@sharedcare/consent';
import { MAX_SEQ, type MessageKind, SENDABLE_KINDS } from '@sharedcare/consult';
import { IsIn, IsInt, IsObject, IsOptional, IsString, IsUUID, Matches, Max, Min } from 'class-validator';

/** Bodies of the client→server events on `/consult` (DESIGN.md, Live events). */
export class ThreadRef {
  @IsUUID('all')
  threadId: string;
}

export class ThreadJoinEvent extends ThreadRef {
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_SEQ)
  afterSeq?: number;
}

export class MessageSendEvent extends ThreadRef {
  @IsString()
  @Matches(/^[A-Za-z0-9._:-]{1,64}$/)
  clientMessageId: string;

  @IsIn(SENDABLE_KINDS)
  kind: MessageKind;

  @IsIn(CONSENT_CATEGORIES)
  category: ConsentCategory;

  @IsObject()
  body: Record<string, unknown>;
}

export class MessageReadEvent extends ThreadRef {
  @IsInt()
  @Min(0)
  @Max(MAX_SEQ)
  uptoSeq: number;
}

export class MessageAcknowledgeEvent {
  @IsUUID('all')
  messageId: string;
}
