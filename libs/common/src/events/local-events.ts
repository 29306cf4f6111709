import { EventEmitter } from 'node:events';
import type { Logger } from '@nestjs/common';

/**
 * In-process fan-out of committed changes to listeners (the socket gateway). A listener that
 * throws is logged by event type and never stops the others, nor the publisher.
 */
export class LocalEvents<T extends { type: string }> {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  constructor(private readonly logger: Logger) {}

  emit(event: T): void {
    this.emitter.emit('event', event);
  }

  /** Calls `listener` with every event; returns the unsubscribe function. */
  subscribe(listener: (event: T) => void): () => void {
    const safe = (event: T) => {
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
