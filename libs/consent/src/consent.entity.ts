import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { AttestationMethod, ConsentCategory, ConsentPurpose } from './consent-vocabulary.js';

/**
 * A client's release of information, modelled on FHIR R4 Consent with the elements 42 CFR 2.31
 * requires: who may receive (recipients), what (categories), why (purpose), until when, how it
 * was given and who recorded it. Immutable once written except for its revocation; a new consent
 * is a new row. Free text (signer's name, notes, revocation reason) is sealed per client.
 */
@Entity({ name: 'consents' })
@Index('IDX_consents_client', ['clientId', 'createdAt'])
export class Consent {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'client_id', type: 'uuid' })
  clientId: string;

  @Column({ name: 'organisation_id', type: 'uuid' })
  organisationId: string;

  @Column({ name: 'recipient_ids', type: 'uuid', array: true })
  recipientIds: string[];

  @Column({ type: 'text', array: true })
  categories: ConsentCategory[];

  @Column({ type: 'varchar', length: 32 })
  purpose: ConsentPurpose;

  @Column({ name: 'effective_from', type: 'timestamptz' })
  effectiveFrom: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'attestation_method', type: 'varchar', length: 32 })
  attestationMethod: AttestationMethod;

  /** The person who gave the consent: the client, or their guardian. */
  @Column({ name: 'signer_name_sealed', type: 'text' })
  signerNameSealed: string;

  @Column({ name: 'notes_sealed', type: 'text', nullable: true })
  notesSealed: string | null;

  @Column({ name: 'recorded_by', type: 'uuid' })
  recordedBy: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  @Column({ name: 'revoked_by', type: 'uuid', nullable: true })
  revokedBy: string | null;

  @Column({ name: 'revocation_reason_sealed', type: 'text', nullable: true })
  revocationReasonSealed: string | null;
}

/** Break-the-glass access: one provider, one client, read-only, for a short window. */
@Entity({ name: 'emergency_access_grants' })
@Index('IDX_emergency_access_grants_client_provider', ['clientId', 'providerId', 'expiresAt'])
export class EmergencyAccessGrant {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'client_id', type: 'uuid' })
  clientId: string;

  @Column({ name: 'organisation_id', type: 'uuid' })
  organisationId: string;

  @Column({ name: 'provider_id', type: 'uuid' })
  providerId: string;

  @Column({ name: 'reason_sealed', type: 'text' })
  reasonSealed: string;

  @Column({ name: 'opened_at', type: 'timestamptz' })
  openedAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;
}

/** A notice to a client's care team (today: someone opened emergency access). */
@Entity({ name: 'client_notices' })
@Index('IDX_client_notices_client', ['clientId', 'createdAt'])
export class ClientNotice {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'client_id', type: 'uuid' })
  clientId: string;

  @Column({ type: 'varchar', length: 32 })
  kind: 'emergency_access';

  @Column({ name: 'actor_id', type: 'uuid' })
  actorId: string;

  /** The record the notice is about (the emergency access grant). */
  @Column({ name: 'subject_id', type: 'uuid' })
  subjectId: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
