import { createHmac } from 'node:crypto';
import { SealError, open, seal } from './aes-gcm.js';

const KEY_BYTES = 32;

/** The key that wraps client data keys, and the id recorded beside what it wrapped. */
export class MasterKey {
  readonly id: string;

  constructor(readonly key: Buffer) {
    if (key.length !== KEY_BYTES) throw new RangeError(`The master key must be ${KEY_BYTES} bytes`);
    // A one-way tag, not a hash of the key itself: it names the key without helping to guess it.
    this.id = `mk1-${createHmac('sha256', key).update('sharedcare.master-key-id').digest('hex').slice(0, 16)}`;
  }
}

/** A data key is wrapped under a master key this process does not hold (a rotation not finished, or a lost key). */
export class MasterKeyNotConfiguredError extends SealError {
  constructor(readonly masterKeyId: string) {
    super(`Client data key is wrapped under master key ${masterKeyId}, which is not configured`);
    this.name = 'MasterKeyNotConfiguredError';
  }
}

/** What the master key's seal of a data key is bound to: its client and version. */
export function clientDataKeyContext(clientId: string, keyVersion: number): string {
  return `sharedcare.client-data-key:${clientId.toLowerCase()}:${keyVersion}`;
}

/**
 * The master keys a process holds: the current one, which wraps every new data key, and the
 * previous ones, which only unwrap keys that a rotation has not yet rewrapped (see
 * MasterKeyRotation). A previous key can also be listed before it becomes current, so every
 * process of a rolling deploy can open what the first one to switch wraps.
 */
export class MasterKeys {
  readonly current: MasterKey;
  readonly previous: readonly MasterKey[];
  private readonly byId: Map<string, MasterKey>;

  constructor(current: MasterKey | Buffer, previous: readonly (MasterKey | Buffer)[] = []) {
    const asKey = (key: MasterKey | Buffer) => (key instanceof MasterKey ? key : new MasterKey(key));
    this.current = asKey(current);
    this.previous = previous.map(asKey);
    this.byId = new Map([[this.current.id, this.current]]);
    for (const key of this.previous) {
      // A duplicate is a configuration slip, and the current key listed again as "previous"
      // usually means the rotation was deployed the wrong way round.
      if (this.byId.has(key.id)) throw new RangeError(`Master key ${key.id} is configured twice`);
      this.byId.set(key.id, key);
    }
  }

  /** Seals a data key under the current master key, bound to its client and version. */
  wrap(clientId: string, keyVersion: number, dataKey: Buffer): { masterKeyId: string; wrappedKey: string } {
    return {
      masterKeyId: this.current.id,
      wrappedKey: seal(this.current.key, dataKey, clientDataKeyContext(clientId, keyVersion)),
    };
  }

  /**
   * Opens a wrapped data key with whichever configured master key `masterKeyId` names. Throws
   * MasterKeyNotConfiguredError when none does, SealError when that key does not open it.
   */
  unwrap(row: { clientId: string; keyVersion: number; masterKeyId: string; wrappedKey: string }): Buffer {
    const masterKey = this.byId.get(row.masterKeyId);
    if (!masterKey) throw new MasterKeyNotConfiguredError(row.masterKeyId);
    return open(masterKey.key, row.wrappedKey, clientDataKeyContext(row.clientId, row.keyVersion));
  }
}
