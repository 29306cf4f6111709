import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { OutboxEvent } from './outbox-event.entity.js';

@Injectable()
export class OutboxRepository {
  constructor(@InjectRepository(OutboxEvent) private readonly events: Repository<OutboxEvent>) {}

  async add(event: OutboxEvent): Promise<void> {
    await this.events.insert(event);
  }

  async markPublished(id: string, now: Date): Promise<void> {
    await this.events.update({ id }, { publishedAt: now });
  }

  /** Events after the position (`occurredAt`, `id`), oldest first. */
  after(position: { occurredAt: Date; id: string }, limit: number): Promise<OutboxEvent[]> {
    return this.events
      .createQueryBuilder('event')
      .where('(event.occurredAt, event.id) > (:occurredAt, :id)', position)
      .orderBy('event.occurredAt', 'ASC')
      .addOrderBy('event.id', 'ASC')
      .limit(limit)
      .getMany();
  }

  /** The newest event, or none. */
  latest(): Promise<OutboxEvent | null> {
    return this.events
      .createQueryBuilder('event')
      .orderBy('event.occurredAt', 'DESC')
      .addOrderBy('event.id', 'DESC')
      .limit(1)
      .getOne();
  }
}
