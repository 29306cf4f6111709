import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A client the care team shares. Only the minimum that identifies them, each field sealed under
 * the client's own data key (libs/crypto), so a dump of this table names nobody.
 */
@Entity({ name: 'clients' })
@Index('IDX_clients_organisation', ['organisationId', 'createdAt'])
export class Client {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'organisation_id', type: 'uuid' })
  organisationId: string;

  @Column({ name: 'display_name_sealed', type: 'text' })
  displayNameSealed: string;

  @Column({ name: 'date_of_birth_sealed', type: 'text' })
  dateOfBirthSealed: string;

  @Column({ name: 'external_id_sealed', type: 'text', nullable: true })
  externalIdSealed: string | null;

  @Column({ name: 'created_by', type: 'uuid' })
  createdBy: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

/** A provider who treats the client directly (today: whoever registered them). */
@Entity({ name: 'care_team_members' })
@Index('IDX_care_team_members_provider', ['providerId'])
export class CareTeamMember {
  @PrimaryColumn({ name: 'client_id', type: 'uuid' })
  clientId: string;

  @PrimaryColumn({ name: 'provider_id', type: 'uuid' })
  providerId: string;

  @Column({ name: 'added_by', type: 'uuid' })
  addedBy: string;

  @Column({ name: 'added_at', type: 'timestamptz' })
  addedAt: Date;
}
