import { Inject, Injectable } from '@nestjs/common';
import { Clock, DomainException } from '@sharedcare/common';
import { openText, seal } from '@sharedcare/crypto';
import type { AuthContext } from '../access/auth-context.js';
import { AuthAuditService } from '../audit/auth-audit.service.js';
import type { AuthConfig } from '../config/auth-config.js';
import { LoginLockoutService } from '../login/login-lockout.service.js';
import { PasswordHasher } from '../providers/password-hasher.js';
import type { Provider } from '../providers/provider.entity.js';
import { ProvidersRepository } from '../providers/providers.repository.js';
import { type SessionTokens, SessionsService } from '../sessions/sessions.service.js';
import { AUTH_CONFIG } from '../shared/auth-config.token.js';
import type { RequestMeta } from '../shared/request-meta.js';
import { MfaChallengeService } from './mfa-challenge.service.js';
import { newTotpSecret, otpauthUrl, verifyTotp } from './totp.js';

export interface MfaEnrollment {
  secret: string;
  otpauthUrl: string;
}

/** A TOTP secret opens only as the secret of its own provider. */
const sealContext = (providerId: string) => `totp:${providerId}`;

/** TOTP second factor: enroll (secret handed out once, sealed at rest), confirm, verify at login. */
@Injectable()
export class MfaService {
  constructor(
    private readonly providers: ProvidersRepository,
    private readonly challenges: MfaChallengeService,
    private readonly lockout: LoginLockoutService,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionsService,
    private readonly audit: AuthAuditService,
    private readonly clock: Clock,
    @Inject(AUTH_CONFIG) private readonly config: Pick<AuthConfig, 'keyEncryptionKey'>,
  ) {}

  /**
   * Hands out a new secret to confirm. The caller shows the current password too, so an access
   * token alone (stolen, or left on a shared screen) cannot turn MFA on and lock the owner out;
   * a wrong one counts towards the email's cool-down like a wrong login.
   */
  async enroll(caller: AuthContext, password: string, meta: RequestMeta): Promise<MfaEnrollment> {
    const provider = await this.caller(caller);
    await this.lockout.claimAttempt(provider.email, provider.id, meta);
    if (!(await this.hasher.verify(provider.passwordHash, password))) {
      await this.lockout.recordFailure(provider.email, provider.id, meta);
      await this.audit.record(
        'mfa.failed',
        'failure',
        { ...this.facts(provider, caller), reason: 'enroll_password' },
        meta,
      );
      throw DomainException.unauthenticated('Password is incorrect');
    }
    await this.lockout.clear(provider.email);
    if (provider.mfaEnabled) throw DomainException.conflict('MFA is already on for this account');
    const secret = newTotpSecret();
    await this.providers.setPendingMfaSecret(
      provider.id,
      seal(this.config.keyEncryptionKey, secret, sealContext(provider.id)),
    );
    await this.audit.record('mfa.enrolled', 'success', this.facts(provider, caller), meta);
    return { secret, otpauthUrl: otpauthUrl(secret, provider.email) };
  }

  /** Turns MFA on once the caller shows a code from the enrolled secret. */
  async confirm(caller: AuthContext, code: string, meta: RequestMeta): Promise<void> {
    const provider = await this.caller(caller);
    if (provider.mfaEnabled) throw DomainException.conflict('MFA is already on for this account');
    const pending = provider.mfaPendingSecretSealed;
    if (!pending) throw DomainException.invalid('Enroll first: there is no secret to confirm');
    const secret = openText(this.config.keyEncryptionKey, pending, sealContext(provider.id));
    const timeStep = await verifyTotp(secret, code, this.clock.now(), provider.mfaLastTimeStep);
    if (timeStep === undefined || !(await this.providers.confirmMfa(provider.id, pending, timeStep))) {
      await this.audit.record(
        'mfa.failed',
        'failure',
        { ...this.facts(provider, caller), reason: 'confirm_code' },
        meta,
      );
      throw DomainException.invalid('The code is not valid', [{ field: 'code', problems: ['totp'] }]);
    }
    await this.audit.record('mfa.confirmed', 'success', this.facts(provider, caller), meta);
  }

  /** The second step of login: the mfaToken from /auth/login and a fresh code give the tokens. */
  async verify(mfaToken: string, code: string, meta: RequestMeta): Promise<SessionTokens> {
    // Both budgets, the token's and the email's, are taken before the code is checked, so a burst
    // of parallel guesses gets no more checks than a patient guesser.
    const challenge = await this.challenges.claimAttempt(mfaToken);
    const provider = challenge ? await this.providers.findById(challenge.providerId) : null;
    if (!challenge || !provider || provider.disabledAt || !provider.mfaEnabled || !provider.mfaSecretSealed) {
      throw DomainException.unauthenticated('MFA token is invalid or expired');
    }
    const facts = { providerId: provider.id, organisationId: provider.organisationId };
    await this.lockout.claimAttempt(provider.email, provider.id, meta);
    const secret = openText(this.config.keyEncryptionKey, provider.mfaSecretSealed, sealContext(provider.id));
    const timeStep = await verifyTotp(secret, code, this.clock.now(), provider.mfaLastTimeStep);
    // The compare-and-set in SQL makes the replay guard hold under concurrent verifies too.
    const fresh = timeStep !== undefined && (await this.providers.claimMfaTimeStep(provider.id, timeStep));
    if (!fresh) {
      await this.lockout.recordFailure(provider.email, provider.id, meta);
      // A right code from a spent time step is a replay: worth telling apart in the audit trail.
      const replayed = timeStep !== undefined || (await verifyTotp(secret, code, this.clock.now(), null)) !== undefined;
      await this.audit.record(
        'mfa.failed',
        'failure',
        { ...facts, reason: replayed ? 'replayed_code' : 'wrong_code' },
        meta,
      );
      throw DomainException.unauthenticated('The code is not valid');
    }
    if (!(await this.challenges.consume(challenge)))
      throw DomainException.unauthenticated('MFA token is invalid or expired');
    await this.lockout.clear(provider.email);
    const tokens = await this.sessions.start(provider);
    await this.audit.record('mfa.verified', 'success', facts, meta);
    await this.audit.record('login.succeeded', 'success', { ...facts, reason: 'mfa' }, meta);
    return tokens;
  }

  private async caller(caller: AuthContext): Promise<Provider> {
    const provider = await this.providers.findById(caller.providerId);
    if (!provider || provider.disabledAt) throw DomainException.unauthenticated();
    return provider;
  }

  private facts(provider: Provider, caller: AuthContext) {
    return { providerId: provider.id, organisationId: provider.organisationId, sessionId: caller.sessionId };
  }
}
