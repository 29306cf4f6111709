import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { Provider } from '../providers/provider.entity.js';

/** The second step of a login with MFA; its token is opaque, single use and stored hashed. */
@Entity({ name: 'mfa_challenges' })
export class MfaChallenge {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Index()
  @Column({ name: 'provider_id', type: 'uuid' })
  providerId: string;

  @ManyToOne(() => Provider, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'provider_id' })
  provider?: Relation<Provider>;

  @Column({ name: 'token_hash', type: 'varchar', length: 64, unique: true })
  tokenHash: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt: Date | null;

  /** Attempts claimed so far; each is taken before its code is checked, and the right one spends the challenge. */
  @Column({ name: 'failed_attempts', type: 'integer', default: 0 })
  failedAttempts: number;
}
