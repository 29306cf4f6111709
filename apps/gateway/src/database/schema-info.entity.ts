import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Which service's schema this database holds. The gateway has no tables of its own yet (the
 * consult features arrive in later issues); this one lets /health prove that the gateway's own
 * migrated database answers, not merely some database.
 */
@Entity({ name: 'schema_info' })
export class SchemaInfo {
  @PrimaryColumn({ type: 'varchar', length: 32 })
  service: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
