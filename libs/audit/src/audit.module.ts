import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Clock } from '@sharedcare/common';
import { AuditRecord } from './audit-record.entity.js';
import { AuditRepository } from './audit.repository.js';
import { AuditService } from './audit.service.js';

/** Provides AuditService; the importing app owns the database, its migration and the clock. */
@Module({})
export class AuditModule {
  static register(options: { clock: Clock }): DynamicModule {
    return {
      module: AuditModule,
      imports: [TypeOrmModule.forFeature([AuditRecord])],
      providers: [{ provide: Clock, useValue: options.clock }, AuditRepository, AuditService],
      exports: [AuditService],
    };
  }
}
