import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { AuthAuditEvent } from './auth-audit-event.entity.js';

@Injectable()
export class AuthAuditRepository {
  constructor(@InjectRepository(AuthAuditEvent) private readonly events: Repository<AuthAuditEvent>) {}

  async append(event: AuthAuditEvent): Promise<void> {
    await this.events.insert(event);
  }

  async listForProvider(providerId: string): Promise<AuthAuditEvent[]> {
    return this.events.find({ where: { providerId }, order: { occurredAt: 'ASC' } });
  }
}
