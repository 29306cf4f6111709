import { EventEmitter } from 'node:events';
import { Injectable, Logger } from '@nestjs/common';
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
      receipt: { threadId: string; providerId: string; kind: 'acknowledged'; messageId: string };
    };

/**
 * Committed consult changes, handed to the socket gateway in this process, which emits them to
 * the recipients' provider rooms (through the socket.io adapter, so across processes with Redis).
 * Services publish only after their transaction has committed.
 */
@Injectable()
export class ConsultEvents {
  private readonly logger = new Logger(ConsultEvents.name);
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  publish(event: ConsultEvent): void {
    this.emitter.emit('event', event);
  }

  subscribe(listener: (event: ConsultEvent) => void): () => void {
    const safe = (event: ConsultEvent) => {
      try {
        listener(event);
      } catch (error) {
        this.logger.error(
          { type: event.type, error: error instanceof Error ? error.name : 'unknown' },
          'listener failed',
        );
      }
    };
    this.emitter.on('event', safe);
    return () => this.emitter.off('event', safe);
  }
}
