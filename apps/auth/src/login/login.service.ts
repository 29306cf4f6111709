import { Injectable } from '@nestjs/common';
import { DomainException } from '@sharedcare/common';
import { AuthAuditService } from '../audit/auth-audit.service.js';
import { MfaChallengeService } from '../mfa/mfa-challenge.service.js';
import { PasswordHasher } from '../providers/password-hasher.js';
import { normaliseEmail } from '../providers/provider-vocabulary.js';
import { ProvidersRepository } from '../providers/providers.repository.js';
import { type SessionTokens, SessionsService } from '../sessions/sessions.service.js';
import type { RequestMeta } from '../shared/request-meta.js';
import { LoginLockoutService } from './login-lockout.service.js';

export type LoginResult = SessionTokens | { mfaRequired: true; mfaToken: string };

/** One answer for an unknown email, a wrong password and a disabled account. */
const WRONG_CREDENTIALS = () => DomainException.unauthenticated('Email or password is incorrect');

@Injectable()
export class LoginService {
  constructor(
    private readonly providers: ProvidersRepository,
    private readonly hasher: PasswordHasher,
    private readonly lockout: LoginLockoutService,
    private readonly sessions: SessionsService,
    private readonly challenges: MfaChallengeService,
    private readonly audit: AuthAuditService,
  ) {}

  async login(input: { email: string; password: string }, meta: RequestMeta): Promise<LoginResult> {
    const email = normaliseEmail(input.email);
    const provider = await this.providers.findByEmail(email);
    // Claimed before the password is checked, so parallel guesses cannot outrun the count.
    await this.lockout.claimAttempt(email, provider?.id ?? null, meta);
    // An unknown email still spends one argon2 verification, so timing does not tell them apart.
    const passwordMatches = provider
      ? await this.hasher.verify(provider.passwordHash, input.password)
      : await this.hasher.verifyDummy(input.password);
    if (!provider || !passwordMatches || provider.disabledAt) {
      const reason = !provider ? 'unknown_account' : !passwordMatches ? 'wrong_password' : 'disabled';
      await this.lockout.recordFailure(email, provider?.id ?? null, meta);
      await this.audit.record(
        'login.failed',
        'failure',
        { providerId: provider?.id ?? null, organisationId: provider?.organisationId ?? null, reason },
        meta,
      );
      throw WRONG_CREDENTIALS();
    }
    const facts = { providerId: provider.id, organisationId: provider.organisationId };
    // With MFA the failures are cleared only once the code is right too: wrong codes count.
    if (provider.mfaEnabled) {
      await this.lockout.release(email);
      const mfaToken = await this.challenges.start(provider.id);
      await this.audit.record('login.mfa_required', 'success', facts, meta);
      return { mfaRequired: true, mfaToken };
    }
    await this.lockout.clear(email);
    const tokens = await this.sessions.start(provider);
    await this.audit.record('login.succeeded', 'success', facts, meta);
    return tokens;
  }
}
