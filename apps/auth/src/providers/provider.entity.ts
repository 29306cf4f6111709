import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { Organisation } from './organisation.entity.js';
import type { Credential, Role } from './provider-vocabulary.js';

/** A provider account. Never serialised: the wire sees ProfileDto only. */
@Entity({ name: 'providers' })
export class Provider {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Index()
  @Column({ name: 'organisation_id', type: 'uuid' })
  organisationId: string;

  @ManyToOne(() => Organisation, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'organisation_id' })
  organisation?: Relation<Organisation>;

  /** Normalised (trimmed, lower-cased); unique across the service. */
  @Column({ type: 'varchar', length: 254, unique: true })
  email: string;

  @Column({ name: 'password_hash', type: 'varchar', length: 255 })
  passwordHash: string;

  @Column({ name: 'display_name', type: 'varchar', length: 100 })
  displayName: string;

  @Column({ type: 'varchar', length: 32 })
  role: Role;

  @Column({ type: 'varchar', length: 16 })
  credential: Credential;

  @Column({ type: 'varchar', length: 10 })
  npi: string;

  @Column({ name: 'license_state', type: 'varchar', length: 2 })
  licenseState: string;

  @Column({ name: 'license_number', type: 'varchar', length: 32 })
  licenseNumber: string;

  @Column({ name: 'mfa_enabled', type: 'boolean', default: false })
  mfaEnabled: boolean;

  /** The confirmed TOTP secret, sealed with AES-256-GCM (never plaintext). */
  @Column({ name: 'mfa_secret_sealed', type: 'text', nullable: true })
  mfaSecretSealed: string | null;

  /** A secret handed out by enroll and not yet confirmed, sealed likewise. */
  @Column({ name: 'mfa_pending_secret_sealed', type: 'text', nullable: true })
  mfaPendingSecretSealed: string | null;

  /** The last TOTP time step accepted, so no code can be used twice. */
  @Column({ name: 'mfa_last_time_step', type: 'integer', nullable: true })
  mfaLastTimeStep: number | null;

  @Column({ name: 'disabled_at', type: 'timestamptz', nullable: true })
  disabledAt: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
