import { Injectable, Logger } from '@nestjs/common';
import { LocalEvents } from '@sharedcare/common';
import type { MessageView } from './message-view.js';

/** What the live gateway fans out once a change has committed. */
export type ConsultEvent =
  | { type: 'message.new'; recipientIds: string[]; message: MessageView }
  | {
      type: 'receipt';
      recipientIds: string[];
      receipt: { threadId: string; providerId: string; kind: 'delivered' | 'read'; uptoSeq: number };
    }
  | {
      type: 'receipt';
      recipientIds: string[];
      receipt: {
        threadId: string;
        providerId: string;
        kind: 'acknowledged';
        messageId: string;
        /** ISO 8601: the receipt crosses processes as it is. */
        acknowledgedAt: string;
      };
    };

/**
 * Committed consult changes, handed to the socket gateway in this process, which emits them to
 * the recipients' provider rooms (through the socket.io adapter, so across processes with Redis).
 * Services publish only after their transaction has committed.
 */
@Injectable()
export class ConsultEvents {
  private readonly local = new LocalEvents<ConsultEvent>(new Logger(ConsultEvents.name));

  publish(event: ConsultEvent): void {
    this.local.emit(event);
  }

  subscribe(listener: (event: ConsultEvent) => void): () => void {
    return this.local.subscribe(listener);
  }
}
