import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Clock } from '@sharedcare/common';
import { SealError, open, seal } from './aes-gcm.js';
import { ClientDataKey } from './client-data-key.entity.js';
import { ClientDataKeyRepository } from './client-data-key.repository.js';

const FORMAT = 'c1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const KEY_VERSION = 1;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The key that wraps every client data key, and the id recorded beside what it wrapped. */
export class MasterKey {
  readonly id: string;

  constructor(readonly key: Buffer) {
    if (key.length !== KEY_BYTES) throw new RangeError(`The master key must be ${KEY_BYTES} bytes`);
    // A one-way tag, not a hash of the key itself: it names the key without helping to guess it.
    this.id = `mk1-${createHmac('sha256', key).update('sharedcare.master-key-id').digest('hex').slice(0, 16)}`;
  }
}

export interface ClientKeyringOptions {
  /** Unwrapped keys kept in memory at most this long. */
  cacheTtlMilliseconds: number;
  /** At most this many unwrapped keys in memory; the least recently used goes first. */
  cacheSize: number;
}

export const DEFAULT_CLIENT_KEYRING_OPTIONS: ClientKeyringOptions = {
  cacheTtlMilliseconds: 5 * 60 * 1000,
  cacheSize: 1000,
};

/** What the master key's seal of a data key is bound to: its client and version. */
export function clientDataKeyContext(clientId: string, keyVersion: number): string {
  return `sharedcare.client-data-key:${clientId.toLowerCase()}:${keyVersion}`;
}

/** Additional authenticated data: the format, client, key version and the caller's field context. */
function associatedData(clientId: string, keyVersion: number, context: string): Buffer {
  return Buffer.from(JSON.stringify([FORMAT, clientId.toLowerCase(), keyVersion, context]), 'utf8');
}

function requireInputs(clientId: string, context: string): void {
  if (!UUID.test(clientId)) throw new RangeError('clientId must be a uuid');
  if (typeof context !== 'string' || context.length === 0) {
    throw new RangeError('context must name the purpose or field, like message.body:<message id>');
  }
}

interface CachedKey {
  key: Buffer;
  version: number;
  expiresAt: number;
}

/**
 * Envelope encryption of clinical text (issue 3, Encryption at rest): each client has its own
 * 32-byte data key, created on first use and stored only wrapped under the master key. Values are
 * sealed as `c1.<key version>.<iv>.<tag>.<ciphertext>` (base64url), bound to the client and to a
 * caller-given context, so a ciphertext moved to another client or field does not open.
 */
@Injectable()
export class ClientKeyring {
  private readonly cache = new Map<string, CachedKey>();
  /** One load per client at a time within this process; the database settles races between processes. */
  private readonly loading = new Map<string, Promise<CachedKey>>();

  constructor(
    private readonly keys: ClientDataKeyRepository,
    private readonly masterKey: MasterKey,
    private readonly clock: Clock,
    private readonly options: ClientKeyringOptions = DEFAULT_CLIENT_KEYRING_OPTIONS,
  ) {}

  /** Seals `plaintext` for `clientId`; `context` names the field (and row) it belongs to. */
  async encryptForClient(clientId: string, plaintext: string | Buffer, context: string): Promise<string> {
    requireInputs(clientId, context);
    const { key, version } = await this.dataKey(clientId);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(associatedData(clientId, version, context));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return [
      FORMAT,
      String(version),
      ...[iv, cipher.getAuthTag(), ciphertext].map((part) => part.toString('base64url')),
    ].join('.');
  }

  /**
   * Opens a value from {@link encryptForClient} with the same client and context. Throws SealError,
   * never returns text, when the value was altered, made for another client or context, or is not
   * a sealed value at all.
   */
  async decryptForClient(clientId: string, sealed: string, context: string): Promise<Buffer> {
    requireInputs(clientId, context);
    const parts = typeof sealed === 'string' ? sealed.split('.') : [];
    if (parts.length !== 5 || parts[0] !== FORMAT || !/^[1-9]\d{0,8}$/.test(parts[1])) {
      throw new SealError('Not a client-sealed value');
    }
    const version = Number(parts[1]);
    const [iv, tag, ciphertext] = parts.slice(2).map((part) => Buffer.from(part, 'base64url'));
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new SealError('Not a client-sealed value');
    const { key, version: current } = await this.dataKey(clientId);
    if (version !== current) throw new SealError('Sealed under a key version this client does not have');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(associatedData(clientId, version, context));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    } catch {
      throw new SealError('Sealed value could not be opened: altered, or made for another client or context');
    }
  }

  /** {@link decryptForClient} for values sealed from UTF-8 text. */
  async decryptTextForClient(clientId: string, sealed: string, context: string): Promise<string> {
    return (await this.decryptForClient(clientId, sealed, context)).toString('utf8');
  }

  private async dataKey(clientId: string): Promise<CachedKey> {
    const id = clientId.toLowerCase();
    const now = this.clock.now().getTime();
    const cached = this.cache.get(id);
    if (cached && cached.expiresAt > now) {
      // Re-inserting moves it to the end: Map order is the least-recently-used order.
      this.cache.delete(id);
      this.cache.set(id, cached);
      return cached;
    }
    this.cache.delete(id);
    let pending = this.loading.get(id);
    if (!pending) {
      pending = this.load(id).finally(() => this.loading.delete(id));
      this.loading.set(id, pending);
    }
    return pending;
  }

  private async load(clientId: string): Promise<CachedKey> {
    let row = await this.keys.find(clientId);
    if (!row) {
      const key = randomBytes(KEY_BYTES);
      const created = Object.assign(new ClientDataKey(), {
        clientId,
        keyVersion: KEY_VERSION,
        masterKeyId: this.masterKey.id,
        wrappedKey: seal(this.masterKey.key, key, clientDataKeyContext(clientId, KEY_VERSION)),
        createdAt: this.clock.now(),
      });
      row = (await this.keys.insertOrKeepExisting(created)).stored;
    }
    const entry: CachedKey = {
      key: this.unwrap(row),
      version: row.keyVersion,
      expiresAt: this.clock.now().getTime() + this.options.cacheTtlMilliseconds,
    };
    this.cache.set(clientId, entry);
    while (this.cache.size > this.options.cacheSize) {
      this.cache.delete(this.cache.keys().next().value as string);
    }
    return entry;
  }

  private unwrap(row: ClientDataKey): Buffer {
    if (row.masterKeyId !== this.masterKey.id) {
      throw new SealError(`Client data key is wrapped under master key ${row.masterKeyId}, which is not configured`);
    }
    return open(this.masterKey.key, row.wrappedKey, clientDataKeyContext(row.clientId, row.keyVersion));
  }
}
