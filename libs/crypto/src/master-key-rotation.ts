import { SealError } from './aes-gcm.js';
import { ClientDataKeyRepository } from './client-data-key.repository.js';
import { MasterKeyNotConfiguredError, MasterKeys } from './master-keys.js';

/** A data key that no configured master key opens; it stays as it was. */
export interface RewrapFailure {
  clientId: string;
  /** The master key it is wrapped under. */
  masterKeyId: string;
  /** `master_key_not_configured`: no configured key has that id; `unreadable`: that key does not open it. */
  reason: 'master_key_not_configured' | 'unreadable';
}

export interface RewrapResult {
  /** Keys this run moved from a previous master key to the current one. */
  rewrapped: number;
  /** Live keys under the current master key that this run did not need to touch. */
  alreadyCurrent: number;
  failed: RewrapFailure[];
}

/**
 * The second half of a master-key rotation: rewraps every live data key still under an earlier
 * master key so that only the current one is needed. Each row is replaced with an optimistic
 * check in SQL, so the run is idempotent, can be interrupted and run again, and can run beside
 * the service (which opens keys under either master key meanwhile) or beside another run.
 * Destroyed keys have nothing to rewrap and are left alone.
 */
export class MasterKeyRotation {
  constructor(
    private readonly keys: ClientDataKeyRepository,
    private readonly masterKeys: MasterKeys,
  ) {}

  async rewrapAll({ batchSize = 500 }: { batchSize?: number } = {}): Promise<RewrapResult> {
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError('batchSize must be a positive integer');
    const current = this.masterKeys.current.id;
    const failed: RewrapFailure[] = [];
    let rewrapped = 0;
    // Pages in client id order: a key that cannot be opened stays under its old master key and
    // must not be fetched again by the next page.
    let after: string | null = null;
    for (;;) {
      const batch = await this.keys.findWrappedUnderOtherKeys(current, after, batchSize);
      for (const row of batch) {
        let dataKey: Buffer;
        try {
          dataKey = this.masterKeys.unwrap({ ...row, wrappedKey: row.wrappedKey as string });
        } catch (error) {
          if (!(error instanceof SealError)) throw error;
          const reason = error instanceof MasterKeyNotConfiguredError ? 'master_key_not_configured' : 'unreadable';
          failed.push({ clientId: row.clientId, masterKeyId: row.masterKeyId, reason });
          continue;
        }
        const wrapping = this.masterKeys.wrap(row.clientId, row.keyVersion, dataKey);
        // False when another run got there first or the key was destroyed meanwhile.
        if (await this.keys.replaceWrapping(row.clientId, row.masterKeyId, wrapping)) rewrapped++;
      }
      if (batch.length < batchSize) break;
      after = batch[batch.length - 1].clientId;
    }
    // Counted at the end so that keys another run moved, or the service made meanwhile, are in it.
    const alreadyCurrent = Math.max(0, (await this.keys.countWrappedUnder(current)) - rewrapped);
    return { rewrapped, alreadyCurrent, failed };
  }
}
