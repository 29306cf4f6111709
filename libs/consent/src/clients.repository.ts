import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type DataSource, In } from 'typeorm';
import { CareTeamMember, Client } from './client.entity.js';

@Injectable()
export class ClientsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The client and its first care-team member, together or not at all. */
  async create(client: Client, member: CareTeamMember): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.insert(Client, client);
      await manager.insert(CareTeamMember, member);
    });
  }

  /** The clients among `ids`, in the order of `ids`. */
  async findByIds(ids: readonly string[]): Promise<Client[]> {
    if (ids.length === 0) return [];
    const rows = await this.dataSource.getRepository(Client).findBy({ id: In([...ids]) });
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  careTeam(clientId: string): Promise<CareTeamMember[]> {
    return this.dataSource.getRepository(CareTeamMember).find({ where: { clientId }, order: { addedAt: 'ASC' } });
  }
}
