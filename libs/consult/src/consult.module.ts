import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Clock } from '@sharedcare/common';
import { ConsultEvents } from './consult-events.js';
import { CorrectionsService } from './corrections.service.js';
import { MessageAppender } from './message-appender.js';
import { MessageReader } from './message-reader.js';
import { Message, MessageAcknowledgement, Referral } from './message.entity.js';
import { MessagesService } from './messages.service.js';
import { ReferralsRepository } from './referrals.repository.js';
import { ReferralsService } from './referrals.service.js';
import { Thread, ThreadParticipant } from './thread.entity.js';
import { ThreadsRepository } from './threads.repository.js';
import { ThreadsService } from './threads.service.js';

/**
 * Threads, messages and receipts. The importing app provides the database (and migrations), and
 * passes the modules that export AccessService, AuditService, ClientKeyring and DirectoryService.
 */
@Module({})
export class ConsultModule {
  static register(options: { clock: Clock; imports: DynamicModule[] }): DynamicModule {
    return {
      module: ConsultModule,
      imports: [
        TypeOrmModule.forFeature([Thread, ThreadParticipant, Message, MessageAcknowledgement, Referral]),
        ...options.imports,
      ],
      providers: [
        { provide: Clock, useValue: options.clock },
        ThreadsRepository,
        ReferralsRepository,
        MessageReader,
        MessageAppender,
        ConsultEvents,
        ThreadsService,
        MessagesService,
        ReferralsService,
        CorrectionsService,
      ],
      exports: [ThreadsService, MessagesService, ReferralsService, CorrectionsService, ConsultEvents],
    };
  }
}
