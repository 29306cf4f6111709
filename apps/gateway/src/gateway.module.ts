import { type DynamicModule, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '@sharedcare/audit';
import { AuthVerificationModule, EndedSessions, type KeySource, remoteKeySource } from '@sharedcare/auth';
import { CareRecordModule } from '@sharedcare/care-record';
import {
  Clock,
  createLoggingModule,
  type DatabaseHandle,
  ServiceHealthModule,
  requireMigratedSchema,
  MetricsModule,
  SystemClock,
  typeormOptions,
} from '@sharedcare/common';
import { ConsentModule } from '@sharedcare/consent';
import { ConsultModule } from '@sharedcare/consult';
import { ClientKeyringModule } from '@sharedcare/crypto';
import { DirectoryModule } from '@sharedcare/directory';
import { SafetyPlanModule } from '@sharedcare/safety-plan';
import { AuditController } from './audit/audit.controller.js';
import { AuditedRefusals } from './audit/audited-refusals.js';
import type { GatewayConfig } from './config/gateway-config.js';
import { ConsultGateway, SOCKET_EVENT_BUDGET } from './consult/consult.gateway.js';
import { ConsultTelemetryModule } from './consult/consult-telemetry.js';
import { RedisScaleOut } from './consult/redis-scale-out.js';
import { SessionEventsPoll } from './consult/session-events-poll.js';
import { SchemaInfo } from './database/schema-info.entity.js';
import { gatewayEntities, gatewayMigrations } from './database/schema.js';
import { HealthController } from './health/health.controller.js';
import { HealthRepository } from './health/health.repository.js';
import { CareRecordController } from './care-record/care-record.controller.js';
import { FhirController } from './fhir/fhir.controller.js';
import { SafetyPlanController } from './safety-plan/safety-plan.controller.js';
import { ClientsController } from './clients/clients.controller.js';
import { ConsentsController } from './clients/consents.controller.js';
import { DEMO_SEED_ENABLED, DemoSeedService } from './demo/demo-seed.service.js';
import { DirectoryInterceptor } from './providers/directory.interceptor.js';
import { MeController } from './providers/me.controller.js';
import { ProvidersController } from './providers/providers.controller.js';
import { ThreadsController } from './threads/threads.controller.js';

/** Without Redis the feed is how logout-all arrives: within a second (DESIGN.md, issue 4). */
const SESSION_EVENTS_POLL_MS = 500;
/** With Redis the event arrives on the channel; the feed only catches what a Redis outage lost. */
const SESSION_EVENTS_BACKSTOP_MS = 5_000;

export interface GatewayModuleOptions {
  config: GatewayConfig;
  database: Pick<DatabaseHandle, 'url' | 'embedded'>;
  /** Verification keys; by default the auth service's JWKS at `config.auth.jwksUrl`. */
  keys?: KeySource;
  /** The time every rule reads; tests move it instead of sleeping. */
  clock?: Clock;
  /** Sync the provider directory from the auth service (off in tests that run without one). */
  directorySync?: boolean;
}

@Module({})
export class GatewayModule {
  static forRoot({
    config,
    database,
    keys,
    clock = new SystemClock(),
    directorySync = true,
  }: GatewayModuleOptions): DynamicModule {
    const audit = AuditModule.register({ clock });
    const keyring = ClientKeyringModule.register({
      masterKey: config.masterKey,
      previousMasterKeys: config.previousMasterKeys,
      clock,
    });
    const directory = DirectoryModule.register({
      clock,
      sync: directorySync
        ? {
            authUrl: config.auth.url,
            internalApiKey: config.internalApiKey,
            intervalSeconds: config.directorySyncSeconds,
          }
        : undefined,
    });
    const consent = ConsentModule.register({
      clock,
      events: { databaseUrl: database.url, embedded: database.embedded },
      imports: [audit, keyring, directory],
    });
    const consult = ConsultModule.register({ clock, imports: [audit, keyring, directory, consent] });
    const safetyPlan = SafetyPlanModule.register({ clock, imports: [audit, keyring, consent] });
    const careRecord = CareRecordModule.register({ clock, imports: [audit, keyring, consent, safetyPlan] });
    return {
      module: GatewayModule,
      imports: [
        createLoggingModule('gateway', config.logLevel),
        TypeOrmModule.forRootAsync({
          useFactory: () => ({
            ...typeormOptions(database, gatewayEntities, gatewayMigrations),
            // Migrations run at boot unless a job runs them; each in its own transaction, and a
            // failure stops the start.
            migrationsRun: config.migrateAtBoot,
            migrationsTransactionMode: 'each',
            retryAttempts: 0,
          }),
          dataSourceFactory: config.migrateAtBoot ? undefined : requireMigratedSchema('npm run migrate:gateway'),
        }),
        TypeOrmModule.forFeature([SchemaInfo]),
        ServiceHealthModule,
        AuthVerificationModule.forRoot({
          issuer: config.auth.issuer,
          audience: config.auth.audience,
          keys: keys ?? remoteKeySource(config.auth.jwksUrl),
          clock,
          refusals: { imports: [audit], useClass: AuditedRefusals },
        }),
        audit,
        keyring,
        directory,
        consent,
        consult,
        MetricsModule.forRoot({ listen: config.metrics, transports: ['http', 'socket'] }),
        ConsultTelemetryModule,
        careRecord,
        safetyPlan,
      ],
      controllers: [
        HealthController,
        MeController,
        ProvidersController,
        ClientsController,
        ConsentsController,
        ThreadsController,
        CareRecordController,
        FhirController,
        SafetyPlanController,
        AuditController,
      ],
      providers: [
        { provide: Clock, useValue: clock },
        { provide: APP_INTERCEPTOR, useClass: DirectoryInterceptor },
        HealthRepository,
        { provide: SOCKET_EVENT_BUDGET, useValue: config.socketEventBudget },
        ConsultGateway,
        ...(config.redisUrl
          ? [
              {
                provide: RedisScaleOut,
                useFactory: (endedSessions: EndedSessions) =>
                  new RedisScaleOut(config.redisUrl as string, endedSessions),
                inject: [EndedSessions],
              },
            ]
          : []),
        // Logout-all and disable from the auth service's feed: read at boot (the sessions that ended
        // while this process was not running), then polled; with Redis only as the backstop.
        ...(directorySync
          ? [
              {
                provide: SessionEventsPoll,
                useFactory: (endedSessions: EndedSessions) =>
                  new SessionEventsPoll({
                    authUrl: config.auth.url,
                    internalApiKey: config.internalApiKey,
                    intervalMilliseconds: config.redisUrl ? SESSION_EVENTS_BACKSTOP_MS : SESSION_EVENTS_POLL_MS,
                    clock,
                    endedSessions,
                  }),
                inject: [EndedSessions],
              },
            ]
          : []),
        ...(directorySync ? [{ provide: DEMO_SEED_ENABLED, useValue: config.demo }, DemoSeedService] : []),
      ],
    };
  }
}
