import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AuditService, callerEntry } from '@sharedcare/audit';
import type { AuthContext } from '@sharedcare/auth';
import { Clock, DomainException } from '@sharedcare/common';
import { ClientKeyDestroyedError, ClientKeyring } from '@sharedcare/crypto';
import type { AccessBasis } from './access-policy.js';
import { AccessService } from './access.service.js';
import type { Client } from './client.entity.js';
import { ClientsRepository } from './clients.repository.js';

export interface CreateClientInput {
  displayName: string;
  /** `YYYY-MM-DD`. */
  dateOfBirth: string;
  externalId?: string;
}

export interface ClientView {
  clientId: string;
  displayName: string;
  dateOfBirth: string;
  externalId: string | null;
  createdAt: Date;
  /** Why the caller can see this client. */
  access: AccessBasis;
}

export interface ClientDetail extends ClientView {
  careTeamIds: string[];
}

/** Where each sealed field of a client row is bound (the row and the field). */
const field = (name: string, clientId: string) => `client.${name}:${clientId}`;

/** Clients and their care team (issue 3): register, list, read. */
@Injectable()
export class ClientsService {
  constructor(
    private readonly access: AccessService,
    private readonly clients: ClientsRepository,
    private readonly keyring: ClientKeyring,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /** Registers a client in the caller's organisation; the caller joins its care team. */
  async create(auth: AuthContext, input: CreateClientInput): Promise<ClientDetail> {
    const id = randomUUID();
    const now = this.clock.now();
    const seal = (name: string, value: string) => this.keyring.encryptForClient(id, value, field(name, id));
    const client: Client = {
      id,
      organisationId: auth.organisationId,
      displayNameSealed: await seal('display_name', input.displayName),
      dateOfBirthSealed: await seal('date_of_birth', input.dateOfBirth),
      externalIdSealed: input.externalId ? await seal('external_id', input.externalId) : null,
      createdBy: auth.providerId,
      createdAt: now,
    };
    await this.clients.create(client, {
      clientId: id,
      providerId: auth.providerId,
      addedBy: auth.providerId,
      addedAt: now,
    });
    await this.audit.record(
      callerEntry(auth, {
        action: 'client.create',
        resourceType: 'client',
        resourceId: id,
        clientId: id,
        outcome: 'success',
      }),
    );
    return { ...(await this.open(client, 'care_team')), careTeamIds: [auth.providerId] };
  }

  /** The clients the caller may see, oldest first. */
  async list(auth: AuthContext): Promise<ClientView[]> {
    const ids = await this.access.readableClientIds(auth);
    const grants = await this.access.checkAccess({ auth, permission: 'client.read', ids });
    const rows = await this.clients.findByIds(ids.filter((id) => grants.has(id)));
    // Each listed client's identifying details were disclosed: one record per client, in one append.
    await this.audit.recordAll(
      rows.map((row) =>
        callerEntry(auth, {
          action: 'client.list',
          resourceType: 'client',
          resourceId: row.id,
          clientId: row.id,
          outcome: 'success',
          details: { basis: grants.get(row.id)!.basis },
        }),
      ),
    );
    const opened = await Promise.all(rows.map((row) => this.openUnlessShredded(row, grants.get(row.id)!.basis)));
    return opened.filter((client): client is ClientView => client !== null);
  }

  async get(auth: AuthContext, clientId: string): Promise<ClientDetail> {
    const grants = await this.access.requireAccess({ auth, permission: 'client.read', ids: [clientId] });
    const { clientId: id, basis } = grants.values().next().value!;
    const [client] = await this.clients.findByIds([id]);
    const team = await this.clients.careTeam(id);
    await this.audit.record(
      callerEntry(auth, {
        action: 'client.read',
        resourceType: 'client',
        resourceId: id,
        clientId: id,
        outcome: 'success',
        details: { basis },
      }),
    );
    const opened = await this.openUnlessShredded(client, basis);
    if (!opened) throw DomainException.notFound();
    return { ...opened, careTeamIds: team.map((member) => member.providerId) };
  }

  /** A client whose data key was destroyed (crypto-shredded) has nothing left to show. */
  private async openUnlessShredded(client: Client, access: AccessBasis): Promise<ClientView | null> {
    try {
      return await this.open(client, access);
    } catch (error) {
      if (error instanceof ClientKeyDestroyedError) return null;
      throw error;
    }
  }

  private async open(client: Client, access: AccessBasis): Promise<ClientView> {
    const read = (name: string, sealed: string) =>
      this.keyring.decryptTextForClient(client.id, sealed, field(name, client.id));
    return {
      clientId: client.id,
      displayName: await read('display_name', client.displayNameSealed),
      dateOfBirth: await read('date_of_birth', client.dateOfBirthSealed),
      externalId: client.externalIdSealed ? await read('external_id', client.externalIdSealed) : null,
      createdAt: client.createdAt,
      access,
    };
  }
}
