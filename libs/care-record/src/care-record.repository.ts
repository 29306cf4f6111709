import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Message, type MessageKind } from '@sharedcare/consult';
import type { DataSource } from 'typeorm';

/** SQL for the care record (CONVENTIONS 9): the messages it is derived from. */
@Injectable()
export class CareRecordRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * The client's messages of `kinds`, every state, in the threads the provider takes part in (or
   * every thread, `everyThread`: an emergency reader's view), oldest first.
   */
  messagesOfClient(
    clientId: string,
    kinds: readonly MessageKind[],
    reader: { providerId: string; everyThread: boolean },
  ): Promise<Message[]> {
    return this.dataSource
      .getRepository(Message)
      .createQueryBuilder('message')
      .where('message.clientId = :clientId AND message.kind IN (:...kinds)', { clientId, kinds: [...kinds] })
      .andWhere(
        `(:everyThread OR EXISTS (SELECT 1 FROM thread_participants p
           WHERE p.thread_id = message.thread_id AND p.provider_id = :providerId))`,
        { everyThread: reader.everyThread, providerId: reader.providerId },
      )
      .orderBy('message.createdAt', 'ASC')
      .addOrderBy('message.threadId', 'ASC')
      .addOrderBy('message.seq', 'ASC')
      .getMany();
  }
}
