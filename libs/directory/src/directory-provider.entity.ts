import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export const PROVIDER_STATUSES = ['active', 'disabled'] as const;
export type ProviderStatus = (typeof PROVIDER_STATUSES)[number];

/**
 * The consult service's copy of a provider account, kept in step with the auth service (which
 * owns accounts) from verified token claims and the internal directory sync. Never a password,
 * never a credential secret: only what colleagues see in the directory.
 */
@Entity({ name: 'directory_providers' })
@Index('IDX_directory_providers_organisation', ['organisationId'])
@Index('IDX_directory_providers_email', ['email'])
export class DirectoryProvider {
  /** The auth service's provider id (the token's `sub`). */
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'organisation_id', type: 'uuid' })
  organisationId: string;

  /** Absent until the sync has run: token claims do not carry the email. */
  @Column({ type: 'varchar', length: 254, nullable: true })
  email: string | null;

  @Column({ name: 'display_name', type: 'varchar', length: 200 })
  displayName: string;

  @Column({ type: 'varchar', length: 32 })
  role: string;

  @Column({ type: 'varchar', length: 16 })
  credential: string;

  @Column({ type: 'varchar', length: 16 })
  status: ProviderStatus;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
