import { Injectable } from '@nestjs/common';
import { type ConsentCategory, withRedisclosureNotice } from '@sharedcare/consent';
import { ClientKeyring } from '@sharedcare/crypto';
import type { MessageBody, SafetyConcernBody } from './message-bodies.js';
import type { MessageView, SystemBody } from './message-view.js';
import type { Message } from './message.entity.js';
import { CRISIS_LINE } from './message-vocabulary.js';

const bodyContext = (messageId: string) => `message.body:${messageId}`;

/** What an amendment seals: its body and, when given, why the original was amended. */
interface AmendmentEnvelope {
  body: MessageBody;
  reason?: string;
}

/**
 * Seals and opens message bodies (per client, bound to the message) and shapes what readers see.
 * An amendment (a message with `amendsMessageId`) seals an envelope with its reason beside the
 * body, so the reason is as protected, and as withheld, as the body; the column decides which
 * shape a sealed payload has, never the payload itself.
 */
@Injectable()
export class MessageReader {
  constructor(private readonly keyring: ClientKeyring) {}

  seal(clientId: string, messageId: string, body: MessageBody | SystemBody): Promise<string> {
    return this.keyring.encryptForClient(clientId, JSON.stringify(body), bodyContext(messageId));
  }

  /** Seals an amendment's body with its reason; open it with {@link open} (its `amendsMessageId` is set). */
  sealAmendment(clientId: string, messageId: string, body: MessageBody, reason?: string): Promise<string> {
    const envelope: AmendmentEnvelope = reason === undefined ? { body } : { body, reason };
    return this.keyring.encryptForClient(clientId, JSON.stringify(envelope), bodyContext(messageId));
  }

  async open(message: Message): Promise<MessageView> {
    const payload: unknown = JSON.parse(
      await this.keyring.decryptTextForClient(message.clientId, message.bodySealed, bodyContext(message.id)),
    );
    const amendment = message.amendsMessageId === null ? null : (payload as AmendmentEnvelope);
    return this.viewOf(message, amendment ? amendment.body : (payload as MessageBody | SystemBody), amendment?.reason);
  }

  /**
   * What {@link open} reads, for a message whose body the caller holds because it has just sealed
   * it (a send): the same view without decrypting what was encrypted a moment ago.
   */
  viewOf(message: Message, body: MessageBody | SystemBody, amendmentReason?: string): MessageView {
    const imminent = message.kind === 'safety_concern' && (body as SafetyConcernBody).riskLevel === 'imminent';
    const view: MessageView = {
      messageId: message.id,
      threadId: message.threadId,
      clientId: message.clientId,
      seq: message.seq,
      senderId: message.senderId,
      clientMessageId: message.clientMessageId,
      kind: message.kind,
      category: message.category,
      body,
      createdAt: message.createdAt,
      priority: message.priority,
      acknowledgeBy: message.acknowledgeBy,
      amendsMessageId: message.amendsMessageId,
      state: message.state,
      stateChangedAt: message.stateChangedAt,
      stateChangedBy: message.stateChangedBy,
      ...(amendmentReason === undefined ? {} : { amendmentReason }),
      ...(imminent ? { crisisLine: { ...CRISIS_LINE } } : {}),
    };
    return withRedisclosureNotice(view, message.category as ConsentCategory);
  }
}
