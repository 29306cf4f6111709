import { Injectable } from '@nestjs/common';
import { REDISCLOSURE_NOTICE } from '@sharedcare/consent';
import { ClientKeyring } from '@sharedcare/crypto';
import type { MessageBody, SafetyConcernBody } from './message-bodies.js';
import type { MessageView, SystemBody } from './message-view.js';
import type { Message } from './message.entity.js';
import { CRISIS_LINE } from './message-vocabulary.js';

const bodyContext = (messageId: string) => `message.body:${messageId}`;

/** Seals and opens message bodies (per client, bound to the message) and shapes what readers see. */
@Injectable()
export class MessageReader {
  constructor(private readonly keyring: ClientKeyring) {}

  seal(clientId: string, messageId: string, body: MessageBody | SystemBody): Promise<string> {
    return this.keyring.encryptForClient(clientId, JSON.stringify(body), bodyContext(messageId));
  }

  async open(message: Message): Promise<MessageView> {
    const body = JSON.parse(
      await this.keyring.decryptTextForClient(message.clientId, message.bodySealed, bodyContext(message.id)),
    ) as MessageBody | SystemBody;
    const imminent = message.kind === 'safety_concern' && (body as SafetyConcernBody).riskLevel === 'imminent';
    return {
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
      ...(imminent ? { crisisLine: { ...CRISIS_LINE } } : {}),
      ...(message.category === 'substance_use' ? { redisclosureNotice: REDISCLOSURE_NOTICE } : {}),
    };
  }
}
