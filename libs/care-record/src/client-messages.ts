import { Injectable } from '@nestjs/common';
import type { AuthContext } from '@sharedcare/auth';
import type { AccessGrant } from '@sharedcare/consent';
import { type Message, MessageReader, type MessageKind, type MessageView } from '@sharedcare/consult';
import { CareRecordRepository } from './care-record.repository.js';

/** A message the reader may see: the row (state, corrections) and its opened view. */
export interface ReadableRecord {
  message: Message;
  view: MessageView;
}

/**
 * What a granted reader sees of a client's messages, for everything derived from them: the threads
 * they take part in (every thread under emergency access) and, for a consent recipient, only the
 * categories their consent names (a message outside them is left out, not withheld). Every state
 * is returned, so corrections can be applied by whoever derives from them.
 */
@Injectable()
export class ClientMessages {
  constructor(
    private readonly records: CareRecordRepository,
    private readonly reader: MessageReader,
  ) {}

  async readable(auth: AuthContext, grant: AccessGrant, kinds: readonly MessageKind[]): Promise<ReadableRecord[]> {
    const rows = await this.records.messagesOfClient(grant.clientId, kinds, {
      providerId: auth.providerId,
      everyThread: grant.basis === 'emergency',
    });
    const everything = grant.basis !== 'consent';
    const shown = rows.filter((row) => everything || grant.categories.includes(row.category));
    return Promise.all(shown.map(async (message) => ({ message, view: await this.reader.open(message) })));
  }
}
