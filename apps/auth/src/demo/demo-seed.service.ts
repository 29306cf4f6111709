import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '@sharedcare/common';
import { PasswordHasher } from '../providers/password-hasher.js';
import type { Credential, Role } from '../providers/provider-vocabulary.js';
import { ProvidersRepository } from '../providers/providers.repository.js';

export const DEMO_ORGANISATION = 'Demo Clinic';
export const DEMO_PASSWORD = 'SharedCare-demo-1';

export const DEMO_PROVIDERS: {
  email: string;
  displayName: string;
  role: Role;
  credential: Credential;
  npi: string;
  licenseNumber: string;
}[] = [
  {
    email: 'admin@demo.test',
    displayName: 'Avery Admin',
    role: 'admin',
    credential: 'other',
    npi: '1000000012',
    licenseNumber: 'ADMIN-0001',
  },
  {
    email: 'therapist@demo.test',
    displayName: 'Dana Reyes, LCSW',
    role: 'therapist',
    credential: 'LCSW',
    npi: '1000000020',
    licenseNumber: 'LCSW-10021',
  },
  {
    email: 'psychiatrist@demo.test',
    displayName: 'Dr. Sam Okafor, MD',
    role: 'psychiatrist',
    credential: 'MD',
    npi: '1000000038',
    licenseNumber: 'A-734120',
  },
  {
    email: 'care.manager@demo.test',
    displayName: 'Jordan Lee, RN',
    role: 'care_manager',
    credential: 'RN',
    npi: '1000000046',
    licenseNumber: 'RN-556012',
  },
  {
    email: 'outsider@demo.test',
    displayName: 'Riley Moss, LPC',
    role: 'therapist',
    credential: 'LPC',
    npi: '1000000053',
    licenseNumber: 'LPC-88213',
  },
];

/** Demo mode only (never in production): the demo organisation and its five accounts, MFA off. */
@Injectable()
export class DemoSeedService {
  private readonly logger = new Logger(DemoSeedService.name);

  constructor(
    private readonly providers: ProvidersRepository,
    private readonly hasher: PasswordHasher,
    private readonly clock: Clock,
  ) {}

  /** Idempotent: existing accounts are left as they are. */
  async seed(): Promise<void> {
    const now = this.clock.now();
    const organisation = await this.providers.findOrCreateOrganisation(DEMO_ORGANISATION, now);
    let created = 0;
    for (const demo of DEMO_PROVIDERS) {
      if (await this.providers.emailExists(demo.email)) continue;
      const inserted = await this.providers.create({
        id: randomUUID(),
        organisationId: organisation.id,
        email: demo.email,
        passwordHash: await this.hasher.hash(DEMO_PASSWORD),
        displayName: demo.displayName,
        role: demo.role,
        credential: demo.credential,
        npi: demo.npi,
        licenseState: 'CA',
        licenseNumber: demo.licenseNumber,
        createdAt: now,
      });
      if (inserted) created++;
    }
    this.logger.log({ organisationId: organisation.id, created }, 'Demo organisation ready');
  }
}
