import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AuditService, callerEntry } from '@sharedcare/audit';
import type { AuthContext } from '@sharedcare/auth';
import { Clock } from '@sharedcare/common';
import { ClientKeyring } from '@sharedcare/crypto';
import { AccessService } from './access.service.js';
import { ClientsRepository } from './clients.repository.js';
import { ConsentEvents, type EmergencyAccessOpenedEvent } from './consent-events.js';
import { EMERGENCY_ACCESS_MINUTES } from './consent-vocabulary.js';
import type { ClientNotice, EmergencyAccessGrant } from './consent.entity.js';
import { ConsentsRepository } from './consents.repository.js';

export interface EmergencyAccessView {
  grantId: string;
  clientId: string;
  openedAt: Date;
  expiresAt: Date;
  /** Emergency access never allows a write. */
  readOnly: true;
}

export interface ClientNoticeView {
  noticeId: string;
  clientId: string;
  kind: ClientNotice['kind'];
  actorId: string;
  subjectId: string;
  createdAt: Date;
}

/**
 * Break the glass (issue 3): any clinician of the client's organisation may read the client for
 * {@link EMERGENCY_ACCESS_MINUTES} minutes with a stated reason. Loud by design: a high-severity
 * audit record, a notice stored for the care team, and a live event to their sockets.
 */
@Injectable()
export class EmergencyAccessService {
  constructor(
    private readonly access: AccessService,
    private readonly clients: ClientsRepository,
    private readonly consents: ConsentsRepository,
    private readonly keyring: ClientKeyring,
    private readonly events: ConsentEvents,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async open(auth: AuthContext, clientId: string, reason: string): Promise<EmergencyAccessView> {
    const [{ clientId: client }] = (
      await this.access.requireAccess({ auth, permission: 'emergency_access.open', ids: [clientId] })
    ).values();
    const now = this.clock.now();
    const id = randomUUID();
    const grant: EmergencyAccessGrant = {
      id,
      clientId: client,
      organisationId: auth.organisationId,
      providerId: auth.providerId,
      reasonSealed: await this.keyring.encryptForClient(client, reason, `emergency_access.reason:${id}`),
      openedAt: now,
      expiresAt: new Date(now.getTime() + EMERGENCY_ACCESS_MINUTES * 60_000),
    };
    const notice: ClientNotice = {
      id: randomUUID(),
      clientId: client,
      kind: 'emergency_access',
      actorId: auth.providerId,
      subjectId: id,
      createdAt: now,
    };
    const careTeam = await this.careTeamIds(client, now);
    const event: EmergencyAccessOpenedEvent = {
      type: 'emergency_access.opened',
      clientId: client,
      grantId: id,
      providerId: auth.providerId,
      careTeamIds: careTeam.filter((providerId) => providerId !== auth.providerId),
      expiresAt: grant.expiresAt.toISOString(),
      at: now.toISOString(),
    };
    await this.consents.openEmergencyAccess(grant, notice, event);
    this.events.committed(event);
    await this.audit.record(
      callerEntry(auth, {
        action: 'emergency_access.open',
        resourceType: 'client',
        resourceId: client,
        clientId: client,
        outcome: 'success',
        details: { severity: 'high', grantId: id, minutes: EMERGENCY_ACCESS_MINUTES },
      }),
    );
    return { grantId: id, clientId: client, openedAt: now, expiresAt: grant.expiresAt, readOnly: true };
  }

  /** The client's notices, newest first, for whoever may read the client. */
  async notices(auth: AuthContext, clientId: string): Promise<ClientNoticeView[]> {
    const [{ clientId: client }] = (
      await this.access.requireAccess({ auth, permission: 'client.read', ids: [clientId] })
    ).values();
    const rows = await this.consents.notices(client, 100);
    return rows.map((row) => ({
      noticeId: row.id,
      clientId: row.clientId,
      kind: row.kind,
      actorId: row.actorId,
      subjectId: row.subjectId,
      createdAt: row.createdAt,
    }));
  }

  /** Everyone who treats the client: its care team and the recipients of its active consents. */
  private async careTeamIds(clientId: string, now: Date): Promise<string[]> {
    const members = (await this.clients.careTeam(clientId)).map((member) => member.providerId);
    return [...new Set([...members, ...(await this.consents.activeRecipientIds(clientId, now))])];
  }
}
