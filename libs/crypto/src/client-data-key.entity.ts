import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A client's data key, stored only wrapped: sealed with AES-256-GCM under the master key, bound
 * to the client id and key version. `masterKeyId` names the master key that wrapped it, so a
 * rotation can find and rewrap keys still under an old one.
 *
 * A destroyed key (crypto-shredding) keeps its row as a tombstone: `wrappedKey` is gone and
 * `destroyedAt` says when, so the keyring refuses the client rather than making a fresh key. The
 * check holds both ways: a row never keeps its key once destroyed, and never lacks one otherwise.
 *
 * No foreign key to `clients`: that table does not exist yet. Add one when it does.
 */
@Entity({ name: 'client_data_keys' })
@Check('CHK_client_data_keys_wrapped_or_destroyed', `("wrapped_key" IS NULL) = ("destroyed_at" IS NOT NULL)`)
export class ClientDataKey {
  @PrimaryColumn({ name: 'client_id', type: 'uuid' })
  clientId: string;

  @Column({ name: 'key_version', type: 'integer' })
  keyVersion: number;

  /** For a destroyed key, the master key that wrapped it last. */
  @Column({ name: 'master_key_id', type: 'varchar', length: 64 })
  masterKeyId: string;

  /** `seal()` output: `v1.<iv>.<tag>.<ciphertext>`, never the key itself; null once destroyed. */
  @Column({ name: 'wrapped_key', type: 'text', nullable: true })
  wrappedKey: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'destroyed_at', type: 'timestamptz', nullable: true })
  destroyedAt: Date | null;
}
