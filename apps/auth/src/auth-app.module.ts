import { type DynamicModule, Module, type Provider as NestProvider } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import {
  Clock,
  createLoggingModule,
  type DatabaseHandle,
  PendingMigrationsError,
  MetricsModule,
  RATE_LIMIT_OVERRIDES,
  RateLimitGuard,
  ServiceHealthModule,
  requireMigratedSchema,
  SystemClock,
  typeormOptions,
} from '@sharedcare/common';
import { AccessTokenGuard } from './access/access-token.guard.js';
import { ProviderAdminController } from './admin/provider-admin.controller.js';
import { ProviderAdminService } from './admin/provider-admin.service.js';
import { AuthAuditRepository } from './audit/auth-audit.repository.js';
import { AuthAuditService } from './audit/auth-audit.service.js';
import { AuthBootstrap } from './auth-bootstrap.js';
import type { AuthConfig } from './config/auth-config.js';
import { authEntities, authMigrations } from './database/schema.js';
import { DemoSeedService } from './demo/demo-seed.service.js';
import { AuthEventPublisher, OutboxOnlyPublisher } from './events/auth-event-publisher.js';
import { OutboxRepository } from './events/outbox.repository.js';
import { RedisAuthEventPublisher } from './events/redis-auth-event-publisher.js';
import { SessionEventsService } from './events/session-events.service.js';
import { HealthController } from './health/health.controller.js';
import { HealthRepository } from './health/health.repository.js';
import { InternalKeyGuard } from './internal/internal-key.guard.js';
import { ProviderDirectoryController } from './internal/provider-directory.controller.js';
import { SessionEventsController } from './internal/session-events.controller.js';
import { ProviderDirectoryService } from './internal/provider-directory.service.js';
import { InvitesController } from './invites/invites.controller.js';
import { InvitesRepository } from './invites/invites.repository.js';
import { InvitesService } from './invites/invites.service.js';
import { LoginLockoutService } from './login/login-lockout.service.js';
import { LoginLockoutsRepository } from './login/login-lockouts.repository.js';
import { LoginController } from './login/login.controller.js';
import { LoginService } from './login/login.service.js';
import { MfaChallengeService } from './mfa/mfa-challenge.service.js';
import { MfaChallengesRepository } from './mfa/mfa-challenges.repository.js';
import { MfaController } from './mfa/mfa.controller.js';
import { MfaService } from './mfa/mfa.service.js';
import { AccountController } from './providers/account.controller.js';
import { AccountService } from './providers/account.service.js';
import { PasswordHasher } from './providers/password-hasher.js';
import { ProvidersRepository } from './providers/providers.repository.js';
import { RegistrationController } from './registration/registration.controller.js';
import { RegistrationService } from './registration/registration.service.js';
import { SessionsController } from './sessions/sessions.controller.js';
import { SessionsRepository } from './sessions/sessions.repository.js';
import { SessionsService } from './sessions/sessions.service.js';
import { AUTH_CONFIG } from './shared/auth-config.token.js';
import { AccessTokenService } from './tokens/access-token.service.js';
import { JwksController } from './tokens/jwks.controller.js';
import { SigningKeysRepository } from './tokens/signing-keys.repository.js';
import { SigningKeysService } from './tokens/signing-keys.service.js';

export interface AuthAppOptions {
  config: AuthConfig;
  database: Pick<DatabaseHandle, 'url' | 'embedded'>;
  /** Tests pass a FixedClock. */
  clock?: Clock;
  /** Tests pass a fake; otherwise Redis with REDIS_URL, the outbox alone without. */
  publisher?: AuthEventPublisher;
}

export const AUTH_CONTROLLERS = [
  HealthController,
  JwksController,
  LoginController,
  MfaController,
  SessionsController,
  RegistrationController,
  InvitesController,
  AccountController,
  ProviderAdminController,
  ProviderDirectoryController,
  SessionEventsController,
];

const REPOSITORIES = [
  ProvidersRepository,
  InvitesRepository,
  LoginLockoutsRepository,
  SessionsRepository,
  MfaChallengesRepository,
  SigningKeysRepository,
  AuthAuditRepository,
  OutboxRepository,
  HealthRepository,
];

const SERVICES = [
  PasswordHasher,
  AuthAuditService,
  SigningKeysService,
  AccessTokenService,
  SessionEventsService,
  SessionsService,
  LoginLockoutService,
  LoginService,
  MfaChallengeService,
  MfaService,
  InvitesService,
  RegistrationService,
  AccountService,
  ProviderAdminService,
  ProviderDirectoryService,
  InternalKeyGuard,
  DemoSeedService,
];

function publisherFor(options: AuthAppOptions): NestProvider {
  if (options.publisher) return { provide: AuthEventPublisher, useValue: options.publisher };
  const { redisUrl } = options.config;
  return {
    provide: AuthEventPublisher,
    useFactory: () => (redisUrl ? new RedisAuthEventPublisher(redisUrl) : new OutboxOnlyPublisher()),
  };
}

/** The whole auth service; `main.ts` and the tests build it the same way. */
@Module({})
export class AuthAppModule {
  static forRoot(options: AuthAppOptions): DynamicModule {
    return {
      module: AuthAppModule,
      imports: [
        createLoggingModule('auth', options.config.logLevel),
        TypeOrmModule.forRootAsync({
          useFactory: () => ({
            ...typeormOptions(options.database, authEntities, authMigrations),
            migrationsRun: options.config.migrateAtBoot,
            migrationsTransactionMode: 'each',
            retryAttempts: 3,
            retryDelay: 1_000,
            toRetry: (error: unknown) => !(error instanceof PendingMigrationsError),
          }),
          dataSourceFactory: options.config.migrateAtBoot ? undefined : requireMigratedSchema('npm run migrate:auth'),
        }),
        TypeOrmModule.forFeature(authEntities),
        ServiceHealthModule,
        MetricsModule.forRoot({ listen: options.config.metrics }),
      ],
      controllers: AUTH_CONTROLLERS,
      providers: [
        { provide: AUTH_CONFIG, useValue: options.config },
        { provide: Clock, useValue: options.clock ?? new SystemClock() },
        { provide: RATE_LIMIT_OVERRIDES, useValue: options.config.rateLimits },
        publisherFor(options),
        ...REPOSITORIES,
        ...SERVICES,
        AuthBootstrap,
        { provide: APP_GUARD, useClass: RateLimitGuard },
        { provide: APP_GUARD, useClass: AccessTokenGuard },
      ],
      exports: [SigningKeysService],
    };
  }
}
