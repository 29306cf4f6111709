import { Injectable } from '@nestjs/common';
import { AuditService, callerEntry, type ReadAudit } from '@sharedcare/audit';
import type { AuthContext } from '@sharedcare/auth';
import { Clock } from '@sharedcare/common';
import { type AccessGrant, AccessService, type ConsentCategory, REDISCLOSURE_NOTICE } from '@sharedcare/consent';
import type { MedicationChangeBody, Message, SymptomUpdateBody } from '@sharedcare/consult';
import { ClientMessages } from './client-messages.js';
import { type ClientMeasures, deriveMeasures } from './measures.js';
import { deriveMedicationList, type MedicationListEntry } from './medication-list.js';

export interface MedicationList {
  clientId: string;
  medications: MedicationListEntry[];
  /** 42 CFR 2.32: present when any change listed was disclosed under `substance_use`. */
  redisclosureNotice?: string;
}

export interface Measures extends ClientMeasures {
  clientId: string;
  redisclosureNotice?: string;
}

/**
 * The care record derived from consult messages (issue 5): the medication list and the screener
 * results, for a client, as one reader may see them. Access first (CONVENTIONS 3): the permission's
 * rule for the client, then only the threads the reader reads (every thread under emergency access)
 * and, for a consent recipient, only the categories their consent names.
 */
/** What the derivations need to know of a message besides its body: who, when, and its corrections. */
function recorded(message: Message) {
  return {
    messageId: message.id,
    threadId: message.threadId,
    senderId: message.senderId,
    recordedAt: message.createdAt,
    category: message.category,
    state: message.state,
    amendsMessageId: message.amendsMessageId,
  };
}

@Injectable()
export class CareRecordService {
  constructor(
    private readonly access: AccessService,
    private readonly messages: ClientMessages,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async medications(auth: AuthContext, clientId: string, as?: ReadAudit): Promise<MedicationList> {
    const grant = await this.require(auth, 'client.medications', 'medications', clientId);
    const readable = await this.messages.readable(auth, grant, ['medication_change']);
    const medications = deriveMedicationList(
      readable.map(({ message, view }) => ({ ...recorded(message), body: view.body as MedicationChangeBody })),
    );
    const categories = new Set(medications.flatMap((medication) => medication.categories));
    await this.record(auth, grant, as ?? { action: 'medication_list.read' }, categories, medications.length);
    return withNotice({ clientId: grant.clientId, medications }, categories);
  }

  async measures(auth: AuthContext, clientId: string, as?: ReadAudit): Promise<Measures> {
    const grant = await this.require(auth, 'client.measures', 'symptoms', clientId);
    const readable = await this.messages.readable(auth, grant, ['symptom_update']);
    const derived = deriveMeasures(
      readable.map(({ message, view }) => ({
        ...recorded(message),
        measures: (view.body as SymptomUpdateBody).measures ?? [],
      })),
      this.clock.now(),
    );
    const points = derived.series.flatMap((series) => series.points);
    const categories = new Set(points.map((point) => point.category));
    await this.record(auth, grant, as ?? { action: 'measures.read' }, categories, points.length);
    return withNotice({ clientId: grant.clientId, ...derived }, categories);
  }

  private async require(
    auth: AuthContext,
    permission: 'client.medications' | 'client.measures',
    category: ConsentCategory,
    clientId: string,
  ): Promise<AccessGrant> {
    const [grant] = (await this.access.requireAccess({ auth, permission, ids: [clientId], category })).values();
    return grant;
  }

  private async record(
    auth: AuthContext,
    grant: AccessGrant,
    as: ReadAudit,
    categories: Set<string>,
    count: number,
  ): Promise<void> {
    await this.audit.record(
      callerEntry(auth, {
        action: as.action,
        resourceType: 'client',
        resourceId: grant.clientId,
        clientId: grant.clientId,
        // A substance-use disclosure is recorded as such, for the accounting of disclosures.
        category: categories.has('substance_use') ? 'substance_use' : null,
        outcome: 'success',
        details: { basis: grant.basis, count, categories: [...categories].sort(), ...as.details },
      }),
    );
  }
}

function withNotice<T extends object>(payload: T, categories: Set<string>): T & { redisclosureNotice?: string } {
  return categories.has('substance_use') ? { ...payload, redisclosureNotice: REDISCLOSURE_NOTICE } : payload;
}
