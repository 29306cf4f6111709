import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Clock, DomainException, type HasContractAnswer, isUuid } from '@sharedcare/common';
import { SealError } from './aes-gcm.js';
import { ClientDataKey } from './client-data-key.entity.js';
import { ClientDataKeyRepository } from './client-data-key.repository.js';
import { MasterKey, MasterKeys } from './master-keys.js';

const FORMAT = 'c1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const KEY_VERSION = 1;

/**
 * The client's data key was destroyed (crypto-shredding): what was sealed for the client can no
 * longer be opened, and nothing new is sealed for it.
 */
export class ClientKeyDestroyedError extends SealError implements HasContractAnswer {
  constructor(readonly clientId: string) {
    super(`The data key of client ${clientId} was destroyed; its values cannot be opened or added to`);
    this.name = 'ClientKeyDestroyedError';
  }

  /** Whatever reached for the client's values answers as if the client never existed. */
  contractAnswer(): DomainException {
    return DomainException.notFound();
  }
}

export interface ClientKeyringOptions {
  /** Unwrapped keys kept in memory at most this long. */
  cacheTtlMilliseconds: number;
  /** At most this many unwrapped keys in memory; the least recently used goes first. */
  cacheSize: number;
  /**
   * A cached key is used this long before the keyring looks again, with one primary-key lookup
   * and no unwrapping, whether another process has destroyed it. This bounds how long a
   * destruction elsewhere goes unnoticed here; the keyring that destroys a key stops at once.
   */
  destructionCheckMilliseconds: number;
}

/*
 * Why a re-check and not only the cache TTL: a destroyed key must stop opening and, above all,
 * stop sealing new text (which nobody could ever read) everywhere, not five minutes later. A
 * lookup on every use would cost a query per value, and a page of messages is many values; a
 * few seconds' grace costs at most one indexed lookup per client per process in that time,
 * shared by concurrent callers. A push (LISTEN/NOTIFY, Redis) could make it immediate, but would
 * need a connection of its own that the embedded database's single connection cannot give.
 */
export const DEFAULT_CLIENT_KEYRING_OPTIONS: ClientKeyringOptions = {
  cacheTtlMilliseconds: 5 * 60 * 1000,
  cacheSize: 1000,
  destructionCheckMilliseconds: 5 * 1000,
};

/** Bytes drawn from the CSPRNG at a time for IVs: one call per 341 seals rather than one per seal. */
const IV_POOL_BYTES = 4096;
let ivPool = Buffer.alloc(0);
let ivOffset = 0;

/**
 * A fresh random IV. Each refill is a new buffer and each slice of it is handed out once, so no
 * two seals share IV bytes, and an IV already handed out is never overwritten.
 */
function freshIv(): Buffer {
  if (ivOffset + IV_BYTES > ivPool.length) {
    ivPool = randomBytes(IV_POOL_BYTES);
    ivOffset = 0;
  }
  ivOffset += IV_BYTES;
  return ivPool.subarray(ivOffset - IV_BYTES, ivOffset);
}

/** Additional authenticated data: the format, client, key version and the caller's field context. */
function associatedData(clientId: string, keyVersion: number, context: string): Buffer {
  return Buffer.from(JSON.stringify([FORMAT, clientId.toLowerCase(), keyVersion, context]), 'utf8');
}

interface ParsedSeal {
  version: number;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

function parseSealed(sealed: string): ParsedSeal {
  const parts = typeof sealed === 'string' ? sealed.split('.') : [];
  if (parts.length !== 5 || parts[0] !== FORMAT || !/^[1-9]\d{0,8}$/.test(parts[1])) {
    throw new SealError('Not a client-sealed value');
  }
  const [iv, tag, ciphertext] = parts.slice(2).map((part) => Buffer.from(part, 'base64url'));
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new SealError('Not a client-sealed value');
  return { version: Number(parts[1]), iv, tag, ciphertext };
}

function openSealed(
  clientId: string,
  key: { key: Buffer; version: number },
  sealed: ParsedSeal,
  context: string,
): Buffer {
  if (sealed.version !== key.version) throw new SealError('Sealed under a key version this client does not have');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.key, sealed.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(associatedData(clientId, sealed.version, context));
    decipher.setAuthTag(sealed.tag);
    return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
  } catch {
    throw new SealError('Sealed value could not be opened: altered, or made for another client or context');
  }
}

function requireClientId(clientId: string): void {
  if (!isUuid(clientId)) throw new RangeError('clientId must be a uuid');
}

function requireInputs(clientId: string, context: string): void {
  requireClientId(clientId);
  if (typeof context !== 'string' || context.length === 0) {
    throw new RangeError('context must name the purpose or field, like message.body:<message id>');
  }
}

interface CachedKey {
  key: Buffer;
  version: number;
  expiresAt: number;
  /** Until then the key is used without asking the database whether it was destroyed. */
  checkedUntil: number;
}

/**
 * Envelope encryption of clinical text (issue 3, Encryption at rest): each client has its own
 * 32-byte data key, created on first use and stored only wrapped under the current master key
 * (earlier master keys still unwrap until a rotation has rewrapped everything). Values are
 * sealed as `c1.<key version>.<iv>.<tag>.<ciphertext>` (base64url), bound to the client and to a
 * caller-given context, so a ciphertext moved to another client or field does not open.
 */
@Injectable()
export class ClientKeyring {
  private readonly masterKeys: MasterKeys;
  private readonly options: ClientKeyringOptions;
  private readonly cache = new Map<string, CachedKey>();
  /** One load per client at a time within this process; the database settles races between processes. */
  private readonly loading = new Map<string, Promise<CachedKey>>();
  /** One destruction re-check per client at a time. */
  private readonly checking = new Map<string, Promise<CachedKey>>();

  constructor(
    private readonly keys: ClientDataKeyRepository,
    masterKeys: MasterKeys | MasterKey,
    private readonly clock: Clock,
    options: Partial<ClientKeyringOptions> = {},
  ) {
    this.masterKeys = masterKeys instanceof MasterKeys ? masterKeys : new MasterKeys(masterKeys);
    this.options = { ...DEFAULT_CLIENT_KEYRING_OPTIONS, ...options };
  }

  /**
   * Seals `plaintext` for `clientId`; `context` names the field (and row) it belongs to. Throws
   * ClientKeyDestroyedError for a client whose key was destroyed: it never makes a new one.
   */
  async encryptForClient(clientId: string, plaintext: string | Buffer, context: string): Promise<string> {
    requireInputs(clientId, context);
    const { key, version } = await this.dataKey(clientId);
    const iv = freshIv();
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
   * never returns text, when the value was altered, made for another client or context, is not
   * a sealed value at all, or the client's key was destroyed (ClientKeyDestroyedError).
   */
  async decryptForClient(clientId: string, sealed: string, context: string): Promise<Buffer> {
    requireInputs(clientId, context);
    const parsed = parseSealed(sealed);
    return openSealed(clientId, await this.dataKey(clientId), parsed, context);
  }

  /**
   * The client's key, fetched and checked now, as a function that opens the client's values like
   * {@link decryptForClient} without asking the database again: for work that must not wait for
   * a connection, such as a transaction on the embedded database's only one. For use at once: it
   * does not notice a destruction after it was made.
   */
  async openerFor(clientId: string): Promise<(sealed: string, context: string) => Buffer> {
    requireClientId(clientId);
    const key = await this.dataKey(clientId);
    return (sealed, context) => {
      requireInputs(clientId, context);
      return openSealed(clientId, key, parseSealed(sealed), context);
    };
  }

  /** {@link decryptForClient} for values sealed from UTF-8 text. */
  async decryptTextForClient(clientId: string, sealed: string, context: string): Promise<string> {
    return (await this.decryptForClient(clientId, sealed, context)).toString('utf8');
  }

  /**
   * Crypto-shredding: destroys the client's data key in the database, so everything sealed for
   * the client becomes unreadable for good, and no key is ever made for it again (a client that
   * had none gets a tombstone). This keyring stops at once; other processes within
   * `destructionCheckMilliseconds`. Idempotent; returns when the key was first destroyed.
   *
   * Copies of the wrapped key outside the live table (backups, WAL archives) still open with the
   * master key: they are shredded too once the master key that wrapped them is rotated away.
   */
  async destroyClientKey(clientId: string): Promise<Date> {
    requireClientId(clientId);
    const id = clientId.toLowerCase();
    const destroyedAt = await this.keys.destroy(id, this.clock.now(), {
      keyVersion: KEY_VERSION,
      masterKeyId: this.masterKeys.current.id,
    });
    // A load or re-check that read the live row before the destruction may still cache the key:
    // let it finish, then evict. One that starts from now on reads the tombstone.
    await this.loading.get(id)?.catch(() => undefined);
    await this.checking.get(id)?.catch(() => undefined);
    // Not zeroed: a caller may hold the same buffer between getting it and using it.
    this.cache.delete(id);
    return destroyedAt;
  }

  private async dataKey(clientId: string): Promise<CachedKey> {
    const id = clientId.toLowerCase();
    const now = this.clock.now().getTime();
    const cached = this.cache.get(id);
    if (cached && cached.expiresAt > now) {
      // Re-inserting moves it to the end: Map order is the least-recently-used order.
      this.cache.delete(id);
      this.cache.set(id, cached);
      return cached.checkedUntil > now ? cached : this.shared(this.checking, id, () => this.recheck(id, cached));
    }
    this.cache.delete(id);
    return this.shared(this.loading, id, () => this.load(id));
  }

  /** Runs `work` once per client at a time in `pending`; concurrent callers get the same promise. */
  private shared(
    pending: Map<string, Promise<CachedKey>>,
    id: string,
    work: () => Promise<CachedKey>,
  ): Promise<CachedKey> {
    let promise = pending.get(id);
    if (!promise) {
      promise = work().finally(() => pending.delete(id));
      pending.set(id, promise);
    }
    return promise;
  }

  private async recheck(clientId: string, cached: CachedKey): Promise<CachedKey> {
    if ((await this.keys.state(clientId)) === 'live') {
      cached.checkedUntil = this.clock.now().getTime() + this.options.destructionCheckMilliseconds;
      return cached;
    }
    // Destroyed (or the row is gone): forget the key and take the path of a cold cache, which
    // refuses a destroyed key.
    if (this.cache.get(clientId) === cached) this.cache.delete(clientId);
    return this.shared(this.loading, clientId, () => this.load(clientId));
  }

  private async load(clientId: string): Promise<CachedKey> {
    let row = await this.keys.find(clientId);
    if (!row) {
      const created = Object.assign(new ClientDataKey(), {
        clientId,
        keyVersion: KEY_VERSION,
        ...this.masterKeys.wrap(clientId, KEY_VERSION, randomBytes(KEY_BYTES)),
        createdAt: this.clock.now(),
        destroyedAt: null,
      });
      // A concurrent destruction may have got in first: then the tombstone is what is stored.
      row = (await this.keys.insertOrKeepExisting(created)).stored;
    }
    if (row.wrappedKey === null || row.destroyedAt !== null) throw new ClientKeyDestroyedError(clientId);
    const now = this.clock.now().getTime();
    const entry: CachedKey = {
      key: this.masterKeys.unwrap({ ...row, wrappedKey: row.wrappedKey }),
      version: row.keyVersion,
      expiresAt: now + this.options.cacheTtlMilliseconds,
      checkedUntil: now + this.options.destructionCheckMilliseconds,
    };
    this.cache.set(clientId, entry);
    while (this.cache.size > this.options.cacheSize) {
      this.cache.delete(this.cache.keys().next().value as string);
    }
    return entry;
  }
}
