import { randomBytes, randomUUID } from 'node:crypto';
import { FixedClock } from '@sharedcare/common';
import { SealError, open } from './aes-gcm.js';
import type { ClientDataKey } from './client-data-key.entity.js';
import type { ClientDataKeyRepository } from './client-data-key.repository.js';
import { ClientKeyring, MasterKey, clientDataKeyContext } from './client-keyring.js';

/** The repository's contract, in memory: the first insert for a client wins. */
class InMemoryKeys {
  readonly rows = new Map<string, ClientDataKey>();
  finds = 0;

  async find(clientId: string): Promise<ClientDataKey | null> {
    this.finds++;
    return this.rows.get(clientId) ?? null;
  }

  async insertOrKeepExisting(key: ClientDataKey): Promise<{ stored: ClientDataKey; inserted: boolean }> {
    const existing = this.rows.get(key.clientId);
    if (existing) return { stored: existing, inserted: false };
    this.rows.set(key.clientId, key);
    return { stored: key, inserted: true };
  }
}

function tamper(sealed: string, partIndex: number): string {
  const parts = sealed.split('.');
  const bytes = Buffer.from(parts[partIndex], 'base64url');
  bytes[0] ^= 1;
  parts[partIndex] = bytes.toString('base64url');
  return parts.join('.');
}

describe('ClientKeyring', () => {
  const masterKey = new MasterKey(randomBytes(32));
  const clientId = randomUUID();
  const context = 'message.body:6f1c0c2e-0000-4000-8000-000000000001';
  let keys: InMemoryKeys;
  let clock: FixedClock;
  let keyring: ClientKeyring;

  beforeEach(() => {
    keys = new InMemoryKeys();
    clock = new FixedClock();
    keyring = new ClientKeyring(keys as unknown as ClientDataKeyRepository, masterKey, clock, {
      cacheTtlMilliseconds: 60_000,
      cacheSize: 2,
    });
  });

  it('round-trips text in a versioned format that never contains the plaintext', async () => {
    const sealed = await keyring.encryptForClient(clientId, 'Feeling low since Tuesday', context);
    expect(sealed).toMatch(/^c1\.1\.[\w-]{16}\.[\w-]{22}\.[\w-]+$/);
    expect(sealed).not.toContain('Feeling');
    expect(await keyring.decryptTextForClient(clientId, sealed, context)).toBe('Feeling low since Tuesday');
  });

  it('gives two encryptions of the same text different nonces and ciphertexts', async () => {
    const first = await keyring.encryptForClient(clientId, 'same words', context);
    const second = await keyring.encryptForClient(clientId, 'same words', context);
    expect(first).not.toBe(second);
    expect(first.split('.')[2]).not.toBe(second.split('.')[2]);
  });

  it('refuses a value moved to another client or another field', async () => {
    const sealed = await keyring.encryptForClient(clientId, 'secret', context);
    await expect(keyring.decryptForClient(randomUUID(), sealed, context)).rejects.toThrow(SealError);
    await expect(keyring.decryptForClient(clientId, sealed, 'safety_plan.content:1')).rejects.toThrow(SealError);
  });

  it('refuses a value with any part altered, and things that are not sealed values', async () => {
    const sealed = await keyring.encryptForClient(clientId, 'secret', context);
    for (const part of [2, 3, 4]) {
      await expect(keyring.decryptForClient(clientId, tamper(sealed, part), context)).rejects.toThrow(SealError);
    }
    const otherVersion = sealed.replace(/^c1\.1\./, 'c1.2.');
    await expect(keyring.decryptForClient(clientId, otherVersion, context)).rejects.toThrow(SealError);
    await expect(keyring.decryptForClient(clientId, 'secret', context)).rejects.toThrow(SealError);
    await expect(keyring.decryptForClient(clientId, sealed.slice(0, -2), context)).rejects.toThrow(SealError);
  });

  it('refuses a missing context and an id that is not a uuid before touching any key', async () => {
    await expect(keyring.encryptForClient(clientId, 'x', '')).rejects.toThrow(RangeError);
    await expect(keyring.encryptForClient('client-1', 'x', context)).rejects.toThrow(RangeError);
    expect(keys.finds).toBe(0);
  });

  it('stores the data key only wrapped under the master key, bound to the client, with the master key id', async () => {
    await keyring.encryptForClient(clientId, 'x', context);
    const row = keys.rows.get(clientId) as ClientDataKey;
    expect(row).toMatchObject({ keyVersion: 1, masterKeyId: masterKey.id });
    expect(masterKey.id).toMatch(/^mk1-[0-9a-f]{16}$/);
    const dataKey = open(masterKey.key, row.wrappedKey, clientDataKeyContext(clientId, 1));
    expect(dataKey).toHaveLength(32);
    expect(row.wrappedKey).not.toContain(dataKey.toString('base64url'));
    expect(() => open(masterKey.key, row.wrappedKey, clientDataKeyContext(randomUUID(), 1))).toThrow(SealError);
  });

  it('refuses a key wrapped under a master key it does not hold', async () => {
    const sealed = await keyring.encryptForClient(clientId, 'x', context);
    const other = new ClientKeyring(keys as unknown as ClientDataKeyRepository, new MasterKey(randomBytes(32)), clock);
    await expect(other.decryptForClient(clientId, sealed, context)).rejects.toThrow(/not configured/);
  });

  it('caches unwrapped keys for a bounded time and number of clients', async () => {
    await keyring.encryptForClient(clientId, 'x', context);
    await keyring.encryptForClient(clientId, 'x', context);
    expect(keys.finds).toBe(1);
    clock.advance(60_000);
    await keyring.encryptForClient(clientId, 'x', context);
    expect(keys.finds).toBe(2);
    // A cache of two: a third client pushes out the least recently used.
    await keyring.encryptForClient(randomUUID(), 'x', context);
    await keyring.encryptForClient(randomUUID(), 'x', context);
    expect(keys.finds).toBe(4);
    await keyring.encryptForClient(clientId, 'x', context);
    expect(keys.finds).toBe(5);
  });

  it('loads a client key once for concurrent first uses in one process', async () => {
    const sealed = await Promise.all(Array.from({ length: 5 }, () => keyring.encryptForClient(clientId, 'x', context)));
    expect(keys.finds).toBe(1);
    expect(keys.rows.size).toBe(1);
    for (const value of sealed) expect(await keyring.decryptTextForClient(clientId, value, context)).toBe('x');
  });
});
