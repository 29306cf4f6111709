import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { Invite } from './invite.entity.js';

@Injectable()
export class InvitesRepository {
  constructor(@InjectRepository(Invite) private readonly invites: Repository<Invite>) {}

  async create(invite: Omit<Invite, 'organisation' | 'creator'>): Promise<void> {
    await this.invites.insert(invite);
  }

  findByCodeHash(codeHash: string): Promise<Invite | null> {
    return this.invites.findOneBy({ codeHash });
  }
}
