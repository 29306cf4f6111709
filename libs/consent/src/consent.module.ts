import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Clock } from '@sharedcare/common';
import { AccessReportService } from './access-report.service.js';
import { AccessRepository } from './access.repository.js';
import { AccessService } from './access.service.js';
import { CareTeamMember, Client } from './client.entity.js';
import { ClientsRepository } from './clients.repository.js';
import { ClientsService } from './clients.service.js';
import { CONSENT_EVENTS_OPTIONS, ConsentEvents, type ConsentEventsOptions } from './consent-events.js';
import { ClientNotice, Consent, EmergencyAccessGrant } from './consent.entity.js';
import { ConsentsRepository } from './consents.repository.js';
import { ConsentsService } from './consents.service.js';
import { EmergencyAccessService } from './emergency-access.service.js';

/**
 * The shared-client consent module: clients and care teams, consents, emergency access, the
 * access report, and the one access decision every gateway service method starts with. The
 * importing app provides the database (and migrations), AuditService, ClientKeyring and
 * DirectoryService as global or imported modules.
 */
@Module({})
export class ConsentModule {
  static register(options: { clock: Clock; events: ConsentEventsOptions; imports: DynamicModule[] }): DynamicModule {
    return {
      module: ConsentModule,
      imports: [
        TypeOrmModule.forFeature([Client, CareTeamMember, Consent, EmergencyAccessGrant, ClientNotice]),
        ...options.imports,
      ],
      providers: [
        { provide: Clock, useValue: options.clock },
        { provide: CONSENT_EVENTS_OPTIONS, useValue: options.events },
        AccessRepository,
        AccessService,
        ClientsRepository,
        ClientsService,
        ConsentEvents,
        ConsentsRepository,
        ConsentsService,
        EmergencyAccessService,
        AccessReportService,
      ],
      exports: [
        AccessService,
        ClientsService,
        ConsentsService,
        EmergencyAccessService,
        AccessReportService,
        ConsentEvents,
      ],
    };
  }
}
