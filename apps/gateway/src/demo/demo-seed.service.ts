import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { AuthContext, Role } from '@sharedcare/auth';
import { Clock } from '@sharedcare/common';
import { AccessService, ClientsService, ConsentsService } from '@sharedcare/consent';
import { type DirectoryProvider, DirectoryService, DirectorySync } from '@sharedcare/directory';

export const DEMO_SEED_ENABLED = Symbol('DEMO_SEED_ENABLED');

/** The demo's shared client: the therapist's, shared with the psychiatrist under an active consent. */
export const DEMO_CLIENT = { displayName: 'Jordan Lee (demo)', dateOfBirth: '1991-03-14', externalId: 'DEMO-0001' };
export const DEMO_THERAPIST_EMAIL = 'therapist@demo.test';
export const DEMO_PSYCHIATRIST_EMAIL = 'psychiatrist@demo.test';

/**
 * Seeds the demo's shared client once the directory has synced from the auth service (which
 * seeds the demo accounts), through the same services a clinician uses, so the data is
 * encrypted and audited like any other. Idempotent: a therapist who already has a client is
 * left alone. Never enabled in production (see the config).
 */
@Injectable()
export class DemoSeedService implements OnApplicationBootstrap {
  private readonly logger = new Logger(DemoSeedService.name);

  constructor(
    @Inject(DEMO_SEED_ENABLED) private readonly enabled: boolean,
    private readonly sync: DirectorySync,
    private readonly directory: DirectoryService,
    private readonly access: AccessService,
    private readonly clients: ClientsService,
    private readonly consents: ConsentsService,
    private readonly clock: Clock,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.enabled) return;
    await this.sync.ready();
    const therapist = await this.directory.findByEmail(DEMO_THERAPIST_EMAIL);
    const psychiatrist = await this.directory.findByEmail(DEMO_PSYCHIATRIST_EMAIL);
    if (!therapist || !psychiatrist) {
      this.logger.warn('demo accounts are not in the directory (is the auth service running?); no demo client seeded');
      return;
    }
    const auth = this.actingAs(therapist);
    if ((await this.access.readableClientIds(auth)).length > 0) return;
    const client = await this.clients.create(auth, DEMO_CLIENT);
    const expiresAt = new Date(this.clock.now());
    expiresAt.setUTCFullYear(expiresAt.getUTCFullYear() + 1);
    await this.consents.grant(auth, client.clientId, {
      recipientIds: [psychiatrist.id],
      categories: ['general', 'symptoms', 'medications', 'diagnosis', 'safety_plan'],
      purpose: 'treatment',
      expiresAt,
      attestation: { method: 'signature_on_file', signerName: DEMO_CLIENT.displayName },
    });
    this.logger.log({ clientId: client.clientId }, 'demo shared client seeded');
  }

  /** The seed acts as the demo therapist; its audit records say so, from `demo-seed`. */
  private actingAs(provider: DirectoryProvider): AuthContext {
    return {
      providerId: provider.id,
      organisationId: provider.organisationId,
      role: provider.role as Role,
      displayName: provider.displayName,
      credential: provider.credential,
      sessionId: 'demo-seed',
      tokenId: 'demo-seed',
      issuedAt: this.clock.now(),
      expiresAt: this.clock.now(),
      origin: { ip: 'demo-seed', userAgent: null },
    };
  }
}
