import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '@sharedcare/common';
import { AuthEventPublisher, type SessionEvent } from './auth-event-publisher.js';
import { OutboxRepository } from './outbox.repository.js';

/** Records a session event in the outbox, then hands it to the publisher. */
@Injectable()
export class SessionEventsService {
  private readonly logger = new Logger(SessionEventsService.name);

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly publisher: AuthEventPublisher,
    private readonly clock: Clock,
  ) {}

  async emit(
    type: SessionEvent['type'],
    provider: { id: string; organisationId: string },
    sessionIds: string[],
  ): Promise<void> {
    const id = randomUUID();
    const occurredAt = this.clock.now();
    await this.outbox.add({
      id,
      type,
      providerId: provider.id,
      organisationId: provider.organisationId,
      occurredAt,
      sessionIds,
      publishedAt: null,
    });
    const event: SessionEvent = {
      type,
      providerId: provider.id,
      organisationId: provider.organisationId,
      sessionIds,
      at: occurredAt.toISOString(),
    };
    let delivered = false;
    try {
      delivered = await this.publisher.publish(event);
    } catch (error) {
      this.logger.warn({ error: (error as Error).name, eventType: type }, 'Publishing a session event failed');
    }
    if (delivered) await this.outbox.markPublished(id, this.clock.now());
  }
}
