import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Clock, DomainException } from '@sharedcare/common';
import { AuthAuditService } from '../audit/auth-audit.service.js';
import { InvitesRepository } from '../invites/invites.repository.js';
import { PasswordHasher } from '../providers/password-hasher.js';
import { passwordProblem } from '../providers/password-policy.js';
import type { Provider } from '../providers/provider.entity.js';
import { normaliseEmail, type Credential, type Role } from '../providers/provider-vocabulary.js';
import { isValidNpi } from '../providers/npi.js';
import { ProvidersRepository } from '../providers/providers.repository.js';
import type { RequestMeta } from '../shared/request-meta.js';
import { sha256Hex } from '../shared/secrets.js';

export interface Registration {
  inviteCode: string;
  email: string;
  password: string;
  displayName: string;
  role: Role;
  credential: Credential;
  npi: string;
  licenseState: string;
  licenseNumber: string;
}

const INVITE_NOT_VALID = () =>
  DomainException.invalid('The invite is not valid for this registration', [
    { field: 'inviteCode', problems: ['invite'] },
  ]);

@Injectable()
export class RegistrationService {
  constructor(
    private readonly invites: InvitesRepository,
    private readonly providers: ProvidersRepository,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuthAuditService,
    private readonly clock: Clock,
  ) {}

  /** Creates the account an invite was made for: same email, same role, in the inviting organisation. */
  async register(input: Registration, meta: RequestMeta): Promise<Provider> {
    const email = normaliseEmail(input.email);
    // The DTO checks these too; the rules live here so no other caller can skip them.
    if (passwordProblem(input.password, email))
      throw DomainException.invalid('Password does not meet the policy', [
        { field: 'password', problems: ['passwordPolicy'] },
      ]);
    if (!isValidNpi(input.npi))
      throw DomainException.invalid('NPI is not valid', [{ field: 'npi', problems: ['npi'] }]);
    const now = this.clock.now();
    const invite = await this.invites.findByCodeHash(sha256Hex(input.inviteCode));
    if (!invite || invite.usedAt || invite.expiresAt.getTime() <= now.getTime()) throw INVITE_NOT_VALID();
    if (invite.email !== email || invite.role !== input.role) throw INVITE_NOT_VALID();
    if (await this.providers.emailExists(email))
      throw DomainException.conflict('An account with this email already exists');
    const provider = {
      id: randomUUID(),
      organisationId: invite.organisationId,
      email,
      passwordHash: await this.hasher.hash(input.password),
      displayName: input.displayName.trim(),
      role: invite.role,
      credential: input.credential,
      npi: input.npi,
      licenseState: input.licenseState,
      licenseNumber: input.licenseNumber,
      createdAt: now,
    };
    const result = await this.providers.createFromInvite(invite.id, provider, now);
    if (result === 'email_taken') throw DomainException.conflict('An account with this email already exists');
    if (result === 'invite_unavailable') throw INVITE_NOT_VALID();
    await this.audit.record(
      'provider.registered',
      'success',
      { providerId: provider.id, organisationId: provider.organisationId, actorId: invite.createdBy },
      meta,
    );
    const created = await this.providers.findById(provider.id);
    if (!created) throw new Error('Registered provider vanished');
    return created;
  }
}
