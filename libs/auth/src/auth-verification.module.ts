import { type DynamicModule, Module, type Type } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Clock } from '@sharedcare/common';
import { AuthenticationGuard, RefusalRecorder } from './authentication.guard.js';
import { BearerStrategy } from './bearer.strategy.js';
import { PERMISSION_GRANTS, PERMISSIONS, type PermissionGrants } from './permissions.js';
import { type KeySource, TokenVerifier } from './token-verifier.js';

export interface AuthVerificationOptions {
  issuer: string;
  audience: string;
  /** `remoteKeySource(AUTH_JWKS_URL)` in the services; a local key set in tests. */
  keys: KeySource;
  clock?: Clock;
  clockToleranceSeconds?: number;
  /** The role grants the guard checks; PERMISSIONS unless a test needs a refusal to see. */
  grants?: PermissionGrants;
  /** Where the guard reports a role refusal (the consult service audits them). */
  refusals?: { imports: DynamicModule[]; useClass: Type<RefusalRecorder> };
}

/**
 * The verifying side of auth for an app: the TokenVerifier, the bearer strategy, and the
 * global guard that makes every route and event declare who may reach it.
 */
@Module({})
export class AuthVerificationModule {
  static forRoot(options: AuthVerificationOptions): DynamicModule {
    return {
      module: AuthVerificationModule,
      providers: [
        { provide: TokenVerifier, useValue: new TokenVerifier(options) },
        BearerStrategy,
        { provide: PERMISSION_GRANTS, useValue: options.grants ?? PERMISSIONS },
        { provide: APP_GUARD, useClass: AuthenticationGuard },
        ...(options.clock ? [{ provide: Clock, useValue: options.clock }] : []),
        ...(options.refusals ? [{ provide: RefusalRecorder, useClass: options.refusals.useClass }] : []),
      ],
      imports: options.refusals?.imports ?? [],
      exports: [TokenVerifier],
    };
  }
}
