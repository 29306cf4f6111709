import { Column, Entity, PrimaryColumn } from 'typeorm';

/** An Ed25519 token-signing key. The private half is sealed under AUTH_KEY_ENCRYPTION_KEY. */
@Entity({ name: 'signing_keys' })
export class SigningKey {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  kid: string;

  @Column({ type: 'varchar', length: 16 })
  algorithm: string;

  @Column({ name: 'public_jwk', type: 'jsonb' })
  publicJwk: Record<string, string>;

  @Column({ name: 'private_key_sealed', type: 'text' })
  privateKeySealed: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  /** When a newer key took over signing; null for the signing key. */
  @Column({ name: 'superseded_at', type: 'timestamptz', nullable: true })
  supersededAt: Date | null;

  /** When the last token this key signed has expired; it leaves the JWKS then. */
  @Column({ name: 'retire_at', type: 'timestamptz', nullable: true })
  retireAt: Date | null;
}
