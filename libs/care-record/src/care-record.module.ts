import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Clock } from '@sharedcare/common';
import { Message, MessageReader, ReferralsRepository } from '@sharedcare/consult';
import { CareRecordRepository } from './care-record.repository.js';
import { CareRecordService } from './care-record.service.js';
import { ClientMessages } from './client-messages.js';
import { FhirExportService } from './fhir-export.service.js';

/**
 * The care record derived from consult messages. The importing app provides the database and
 * passes the modules that export AccessService, ConsentsService, AccessReportService, AuditService,
 * ClientKeyring and SafetyPlanService.
 */
@Module({})
export class CareRecordModule {
  static register(options: { clock: Clock; imports: DynamicModule[] }): DynamicModule {
    return {
      module: CareRecordModule,
      imports: [TypeOrmModule.forFeature([Message]), ...options.imports],
      providers: [
        { provide: Clock, useValue: options.clock },
        CareRecordRepository,
        ReferralsRepository,
        MessageReader,
        ClientMessages,
        CareRecordService,
        FhirExportService,
      ],
      exports: [CareRecordService, FhirExportService],
    };
  }
}
