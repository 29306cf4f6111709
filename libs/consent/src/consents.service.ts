import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AuditService, callerEntry, type ReadAudit } from '@sharedcare/audit';
import { type AuthContext, CLINICAL_ROLES } from '@sharedcare/auth';
import { Clock, DomainException } from '@sharedcare/common';
import { ClientKeyring } from '@sharedcare/crypto';
import { DirectoryService } from '@sharedcare/directory';
import { AccessService } from './access.service.js';
import { ConsentEvents, type ConsentRevokedEvent } from './consent-events.js';
import {
  type AttestationMethod,
  type ConsentCategory,
  type ConsentPurpose,
  type ConsentStatus,
  REDISCLOSURE_NOTICE,
} from './consent-vocabulary.js';
import type { Consent } from './consent.entity.js';
import { ConsentsRepository } from './consents.repository.js';

export interface GrantConsentInput {
  recipientIds: string[];
  categories: ConsentCategory[];
  purpose: ConsentPurpose;
  expiresAt: Date;
  attestation: { method: AttestationMethod; signerName: string };
  notes?: string;
}

export interface ConsentView {
  consentId: string;
  clientId: string;
  recipientIds: string[];
  categories: ConsentCategory[];
  purpose: ConsentPurpose;
  status: ConsentStatus;
  effectiveFrom: Date;
  expiresAt: Date;
  attestation: { method: AttestationMethod; signerName: string; recordedBy: string };
  notes: string | null;
  createdAt: Date;
  revokedAt: Date | null;
  revokedBy: string | null;
  revocationReason: string | null;
  /** Present when the consent covers substance-use information (42 CFR 2.32). */
  redisclosureNotice?: string;
}

/** A consent may last at most this long; a longer one is almost certainly a typing error. */
export const MAX_CONSENT_YEARS = 5;
const field = (name: string, consentId: string) => `consent.${name}:${consentId}`;

export function consentStatus(consent: Pick<Consent, 'revokedAt' | 'expiresAt'>, now: Date): ConsentStatus {
  if (consent.revokedAt) return 'revoked';
  return consent.expiresAt.getTime() <= now.getTime() ? 'expired' : 'active';
}

/**
 * Consent records (issue 3): recorded and revoked by the client's care team, read by the care
 * team, the consent's recipients and the organisation's admins. Re-consent is a new record;
 * nothing but the revocation fields is ever written twice.
 */
@Injectable()
export class ConsentsService {
  constructor(
    private readonly access: AccessService,
    private readonly consents: ConsentsRepository,
    private readonly directory: DirectoryService,
    private readonly keyring: ClientKeyring,
    private readonly events: ConsentEvents,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async grant(auth: AuthContext, clientId: string, input: GrantConsentInput): Promise<ConsentView> {
    await this.access.requireAccess({ auth, permission: 'consent.grant', ids: [clientId] });
    const client = clientId.toLowerCase();
    const now = this.clock.now();
    await this.checkRecipients(auth.organisationId, input.recipientIds);
    if (new Set(input.categories).size !== input.categories.length) {
      throw DomainException.invalid('categories must not repeat', [{ field: 'categories', problems: ['unique'] }]);
    }
    const latest = new Date(now);
    latest.setUTCFullYear(latest.getUTCFullYear() + MAX_CONSENT_YEARS);
    if (input.expiresAt.getTime() <= now.getTime() || input.expiresAt.getTime() > latest.getTime()) {
      throw DomainException.invalid(`expiresAt must be in the future and within ${MAX_CONSENT_YEARS} years`, [
        { field: 'expiresAt', problems: ['range'] },
      ]);
    }
    const id = randomUUID();
    const seal = (name: string, value: string) => this.keyring.encryptForClient(client, value, field(name, id));
    const consent: Consent = {
      id,
      clientId: client,
      organisationId: auth.organisationId,
      recipientIds: input.recipientIds.map((recipient) => recipient.toLowerCase()),
      categories: input.categories,
      purpose: input.purpose,
      effectiveFrom: now,
      expiresAt: input.expiresAt,
      attestationMethod: input.attestation.method,
      signerNameSealed: await seal('signer_name', input.attestation.signerName),
      notesSealed: input.notes ? await seal('notes', input.notes) : null,
      recordedBy: auth.providerId,
      createdAt: now,
      revokedAt: null,
      revokedBy: null,
      revocationReasonSealed: null,
    };
    await this.consents.insert(consent);
    await this.audit.record(
      callerEntry(auth, {
        action: 'consent.grant',
        resourceType: 'consent',
        resourceId: id,
        clientId: client,
        outcome: 'success',
        details: { recipientIds: consent.recipientIds, categories: consent.categories, purpose: consent.purpose },
      }),
    );
    return this.open(consent, now);
  }

  async list(auth: AuthContext, clientId: string, as?: ReadAudit): Promise<ConsentView[]> {
    const [grant] = (await this.access.requireAccess({ auth, permission: 'consent.read', ids: [clientId] })).values();
    const now = this.clock.now();
    // A recipient sees the consents that name them; others' (which may show that substance-use
    // records exist, 42 CFR Part 2) are the care team's and the admins'.
    const rows = (await this.consents.listForClient(grant.clientId)).filter(
      (consent) => grant.basis !== 'consent' || consent.recipientIds.includes(auth.providerId),
    );
    await this.audit.record(
      callerEntry(auth, {
        action: as?.action ?? 'consent.read',
        resourceType: 'client',
        resourceId: grant.clientId,
        clientId: grant.clientId,
        outcome: 'success',
        details: { basis: grant.basis, count: rows.length, ...as?.details },
      }),
    );
    return Promise.all(rows.map((row) => this.open(row, now)));
  }

  /**
   * Revokes at once: from this commit no access check counts the consent, and every gateway
   * process is told (ConsentEvents) so it can close the recipients' live views of the client.
   */
  async revoke(auth: AuthContext, consentId: string, reason: string): Promise<ConsentView> {
    const [grant] = (
      await this.access.requireAccess({ auth, permission: 'consent.revoke', ids: [consentId] })
    ).values();
    const id = consentId.toLowerCase();
    const now = this.clock.now();
    const existing = await this.consents.findById(id);
    if (!existing) throw DomainException.notFound();
    const event: ConsentRevokedEvent = {
      type: 'consent.revoked',
      clientId: grant.clientId,
      consentId: id,
      providerIds: existing.recipientIds,
      at: now.toISOString(),
    };
    const revoked = await this.consents.revoke(
      id,
      {
        revokedAt: now,
        revokedBy: auth.providerId,
        revocationReasonSealed: await this.keyring.encryptForClient(
          grant.clientId,
          reason,
          field('revocation_reason', id),
        ),
      },
      event,
    );
    if (!revoked) throw DomainException.conflict('This consent was already revoked');
    this.events.committed(event);
    await this.audit.record(
      callerEntry(auth, {
        action: 'consent.revoke',
        resourceType: 'consent',
        resourceId: id,
        clientId: grant.clientId,
        outcome: 'success',
        details: { recipientIds: revoked.recipientIds },
      }),
    );
    return this.open(revoked, now);
  }

  /** Who lost a consent or an emergency grant to time in (`after`, `upTo`], per client. */
  lapsedBetween(after: Date, upTo: Date): Promise<{ clientId: string; providerIds: string[] }[]> {
    return this.consents.lapsedBetween(after, upTo);
  }

  /** Recipients are active clinicians of the caller's organisation, each named once. */
  private async checkRecipients(organisationId: string, recipientIds: string[]): Promise<void> {
    const ids = recipientIds.map((id) => id.toLowerCase());
    if (new Set(ids).size !== ids.length) {
      throw DomainException.invalid('recipientIds must not repeat', [{ field: 'recipientIds', problems: ['unique'] }]);
    }
    const found = new Map((await this.directory.inOrganisation(organisationId, ids)).map((p) => [p.id, p]));
    const problems = ids.flatMap((id, index) => {
      const provider = found.get(id);
      const eligible = provider?.status === 'active' && (CLINICAL_ROLES as readonly string[]).includes(provider.role);
      return eligible ? [] : [{ field: `recipientIds.${index}`, problems: ['unknownProvider'] }];
    });
    if (problems.length > 0) {
      throw DomainException.invalid('Every recipient must be an active clinician of your organisation', problems);
    }
  }

  private async open(consent: Consent, now: Date): Promise<ConsentView> {
    const read = (name: string, sealed: string) =>
      this.keyring.decryptTextForClient(consent.clientId, sealed, field(name, consent.id));
    return {
      consentId: consent.id,
      clientId: consent.clientId,
      recipientIds: consent.recipientIds,
      categories: consent.categories,
      purpose: consent.purpose,
      status: consentStatus(consent, now),
      effectiveFrom: consent.effectiveFrom,
      expiresAt: consent.expiresAt,
      attestation: {
        method: consent.attestationMethod,
        signerName: await read('signer_name', consent.signerNameSealed),
        recordedBy: consent.recordedBy,
      },
      notes: consent.notesSealed ? await read('notes', consent.notesSealed) : null,
      createdAt: consent.createdAt,
      revokedAt: consent.revokedAt,
      revokedBy: consent.revokedBy,
      revocationReason: consent.revocationReasonSealed
        ? await read('revocation_reason', consent.revocationReasonSealed)
        : null,
      ...(consent.categories.includes('substance_use') ? { redisclosureNotice: REDISCLOSURE_NOTICE } : {}),
    };
  }
}
