import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A client's data key, stored only wrapped: sealed with AES-256-GCM under the master key, bound
 * to the client id and key version. `masterKeyId` names the master key that wrapped it, so a
 * rotation can find and rewrap keys still under an old one.
 *
 * No foreign key to `clients`: that table does not exist yet. Add one when it does.
 */
@Entity({ name: 'client_data_keys' })
export class ClientDataKey {
  @PrimaryColumn({ name: 'client_id', type: 'uuid' })
  clientId: string;

  @Column({ name: 'key_version', type: 'integer' })
  keyVersion: number;

  @Column({ name: 'master_key_id', type: 'varchar', length: 64 })
  masterKeyId: string;

  /** `seal()` output: `v1.<iv>.<tag>.<ciphertext>`, never the key itself. */
  @Column({ name: 'wrapped_key', type: 'text' })
  wrappedKey: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
