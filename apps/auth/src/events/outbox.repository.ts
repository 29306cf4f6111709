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
}
