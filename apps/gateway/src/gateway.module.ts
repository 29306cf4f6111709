import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '@sharedcare/audit';
import { AuthVerificationModule, type KeySource, remoteKeySource } from '@sharedcare/auth';
import { Clock, createLoggingModule, type DatabaseHandle, SystemClock, typeormOptions } from '@sharedcare/common';
import { ClientKeyringModule } from '@sharedcare/crypto';
import { AuditController } from './audit/audit.controller.js';
import type { GatewayConfig } from './config/gateway-config.js';
import { ConsultGateway } from './consult/consult.gateway.js';
import { SchemaInfo } from './database/schema-info.entity.js';
import { gatewayEntities, gatewayMigrations } from './database/schema.js';
import { HealthController } from './health/health.controller.js';
import { HealthRepository } from './health/health.repository.js';
import { MeController } from './providers/me.controller.js';

export interface GatewayModuleOptions {
  config: GatewayConfig;
  database: Pick<DatabaseHandle, 'url' | 'embedded'>;
  /** Verification keys; by default the auth service's JWKS at `config.auth.jwksUrl`. */
  keys?: KeySource;
  /** The time every rule reads; tests move it instead of sleeping. */
  clock?: Clock;
}

@Module({})
export class GatewayModule {
  static forRoot({ config, database, keys, clock = new SystemClock() }: GatewayModuleOptions): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        createLoggingModule('gateway', config.logLevel),
        TypeOrmModule.forRoot({
          ...typeormOptions(database, gatewayEntities, gatewayMigrations),
          // Migrations run at boot, each in its own transaction; a failure stops the start.
          migrationsRun: true,
          migrationsTransactionMode: 'each',
          retryAttempts: 0,
        }),
        TypeOrmModule.forFeature([SchemaInfo]),
        AuthVerificationModule.forRoot({
          issuer: config.auth.issuer,
          audience: config.auth.audience,
          keys: keys ?? remoteKeySource(config.auth.jwksUrl),
          clock,
        }),
        AuditModule.register({ clock }),
        // Nothing reads clinical text yet; the keyring is here so the first feature that does finds it.
        ClientKeyringModule.register({
          masterKey: config.masterKey,
          previousMasterKeys: config.previousMasterKeys,
          clock,
        }),
      ],
      controllers: [HealthController, MeController, AuditController],
      providers: [{ provide: Clock, useValue: clock }, HealthRepository, ConsultGateway],
    };
  }
}
