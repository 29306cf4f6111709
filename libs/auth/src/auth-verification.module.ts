import { type DynamicModule, Module, type Type } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Clock } from '@sharedcare/common';
import { AuthenticationGuard, RefusalRecorder } from './authentication.guard.js';
import { BearerStrategy } from './bearer.strategy.js';
import { PERMISSION_GRANTS, PERMISSIONS, type PermissionGrants } from './permissions.js';
import { EndedSessions } from './ended-sessions.js';
import { type KeySource, tokenAcceptanceSeconds, TokenVerifier } from './token-verifier.js';

/** Kept past the last moment a token of an ended session could pass, for skew between auth processes. */
const ENDED_SESSION_MARGIN_SECONDS = 60;

export interface AuthVerificationOptions {
  issuer: string;
  audience: string;
  /** `remoteKeySource(AUTH_JWKS_URL)` in the services; a local key set in tests. */
  keys: KeySource;
  clock?: Clock;
  clockToleranceSeconds?: number;
  maxTokenAgeSeconds?: number;
  /** The role grants the guard checks; PERMISSIONS unless a test needs a refusal to see. */
  grants?: PermissionGrants;
  /** Where the guard reports a role refusal (the consult service audits them). */
  refusals?: { imports: DynamicModule[]; useClass: Type<RefusalRecorder> };
}

/**
 * The verifying side of auth for an app: the TokenVerifier, the bearer strategy, the global guard
 * that makes every route and event declare who may reach it, and the ended sessions both refuse
 * (the app fills them from the auth service's session events).
 */
@Module({})
export class AuthVerificationModule {
  static forRoot(options: AuthVerificationOptions): DynamicModule {
    const endedSessions = new EndedSessions({
      clock: options.clock,
      retainSeconds: tokenAcceptanceSeconds(options) + ENDED_SESSION_MARGIN_SECONDS,
    });
    return {
      module: AuthVerificationModule,
      providers: [
        { provide: EndedSessions, useValue: endedSessions },
        { provide: TokenVerifier, useValue: new TokenVerifier({ ...options, endedSessions }) },
        BearerStrategy,
        { provide: PERMISSION_GRANTS, useValue: options.grants ?? PERMISSIONS },
        { provide: APP_GUARD, useClass: AuthenticationGuard },
        ...(options.clock ? [{ provide: Clock, useValue: options.clock }] : []),
        ...(options.refusals ? [{ provide: RefusalRecorder, useClass: options.refusals.useClass }] : []),
      ],
      imports: options.refusals?.imports ?? [],
      exports: [TokenVerifier, EndedSessions],
    };
  }
}
