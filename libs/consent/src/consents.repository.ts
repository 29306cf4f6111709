import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { CONSENT_EVENTS_CHANNEL, type ConsentEvent } from './consent-events.js';
import { ClientNotice, Consent, EmergencyAccessGrant } from './consent.entity.js';

/** Sends `event` with the transaction: Postgres delivers it on commit, never for a rollback. */
async function notifyOnCommit(manager: EntityManager, event: ConsentEvent): Promise<void> {
  await manager.query(`SELECT pg_notify($1, $2)`, [CONSENT_EVENTS_CHANNEL, JSON.stringify(event)]);
}

@Injectable()
export class ConsentsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async insert(consent: Consent): Promise<void> {
    await this.dataSource.getRepository(Consent).insert(consent);
  }

  /** A client's consents, newest first. */
  listForClient(clientId: string): Promise<Consent[]> {
    return this.dataSource
      .getRepository(Consent)
      .find({ where: { clientId }, order: { createdAt: 'DESC', id: 'ASC' } });
  }

  findById(id: string): Promise<Consent | null> {
    return this.dataSource.getRepository(Consent).findOneBy({ id });
  }

  /**
   * Revokes a consent that is not yet revoked, and stages `event` in the same transaction.
   * Returns the revoked row, or null when it was already revoked (the first revocation stands).
   */
  async revoke(
    id: string,
    revocation: Pick<Consent, 'revokedAt' | 'revokedBy' | 'revocationReasonSealed'>,
    event: ConsentEvent,
  ): Promise<Consent | null> {
    return this.dataSource.transaction(async (manager) => {
      const result = await manager
        .createQueryBuilder()
        .update(Consent)
        .set(revocation)
        .where('id = :id AND revoked_at IS NULL', { id })
        .returning('*')
        .execute();
      if (result.affected !== 1) return null;
      await notifyOnCommit(manager, event);
      return manager.getRepository(Consent).findOneByOrFail({ id });
    });
  }

  /** Recipients of the client's active consents, at `now`. */
  async activeRecipientIds(clientId: string, now: Date): Promise<string[]> {
    const rows: { provider_id: string }[] = await this.dataSource.query(
      `SELECT DISTINCT unnest(recipient_ids) AS provider_id FROM consents
       WHERE client_id = $1 AND revoked_at IS NULL AND effective_from <= $2 AND expires_at > $2`,
      [clientId, now],
    );
    return rows.map((row) => row.provider_id);
  }

  /** Opens an emergency grant, posts its notice to the care team and stages `event`, together. */
  async openEmergencyAccess(grant: EmergencyAccessGrant, notice: ClientNotice, event: ConsentEvent): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.insert(EmergencyAccessGrant, grant);
      await manager.insert(ClientNotice, notice);
      await notifyOnCommit(manager, event);
    });
  }

  /** A client's notices, newest first. */
  notices(clientId: string, limit: number): Promise<ClientNotice[]> {
    return this.dataSource
      .getRepository(ClientNotice)
      .find({ where: { clientId }, order: { createdAt: 'DESC', id: 'ASC' }, take: limit });
  }

  /**
   * Consents and emergency grants whose time ran out in (`after`, `upTo`]: who lost what, for
   * the live gateway to close their views (a revocation tells it through NOTIFY; time does not).
   */
  async lapsedBetween(after: Date, upTo: Date): Promise<{ clientId: string; providerIds: string[] }[]> {
    const rows: { client_id: string; provider_ids: string[] }[] = await this.dataSource.query(
      `SELECT client_id, array_agg(DISTINCT provider_id) AS provider_ids FROM (
         SELECT client_id, unnest(recipient_ids) AS provider_id FROM consents
          WHERE revoked_at IS NULL AND expires_at > $1 AND expires_at <= $2
         UNION ALL
         SELECT client_id, provider_id FROM emergency_access_grants WHERE expires_at > $1 AND expires_at <= $2
       ) lapsed GROUP BY client_id`,
      [after, upTo],
    );
    return rows.map((row) => ({ clientId: row.client_id, providerIds: row.provider_ids }));
  }
}
