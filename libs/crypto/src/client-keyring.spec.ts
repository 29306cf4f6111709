import { randomBytes, randomUUID } from 'node:crypto';
import { FixedClock } from '@sharedcare/common';
import { SealError, open } from './aes-gcm.js';
import type { ClientDataKey } from './client-data-key.entity.js';
import type { ClientDataKeyRepository } from './client-data-key.repository.js';
import { ClientKeyDestroyedError, ClientKeyring } from './client-keyring.js';
import { MasterKey, MasterKeys, clientDataKeyContext } from './master-keys.js';

/** The repository's contract, in memory: the first insert for a client wins; rows are copied in and out. */
class InMemoryKeys {
  readonly rows = new Map<string, ClientDataKey>();
  finds = 0;
  states = 0;

  async find(clientId: string): Promise<ClientDataKey | null> {
    this.finds++;
    const row = this.rows.get(clientId);
    return row ? { ...row } : null;
  }

  async state(clientId: string): Promise<'live' | 'destroyed' | 'missing'> {
    this.states++;
    const row = this.rows.get(clientId);
    return !row ? 'missing' : row.destroyedAt ? 'destroyed' : 'live';
  }

  async insertOrKeepExisting(key: ClientDataKey): Promise<{ stored: ClientDataKey; inserted: boolean }> {
    const existing = this.rows.get(key.clientId);
    if (existing) return { stored: { ...existing }, inserted: false };
    this.rows.set(key.clientId, { ...key });
    return { stored: key, inserted: true };
  }

  async destroy(clientId: string, at: Date, tombstone: { keyVersion: number; masterKeyId: string }): Promise<Date> {
    const row = this.rows.get(clientId) ?? {
      clientId,
      ...tombstone,
      createdAt: at,
      wrappedKey: null,
      destroyedAt: null,
    };
    const destroyedAt = row.destroyedAt ?? at;
    this.rows.set(clientId, { ...row, wrappedKey: null, destroyedAt });
    return destroyedAt;
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
      destructionCheckMilliseconds: 10_000,
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

  it('never gives two seals the same nonce, across refills of the random pool, and each still opens', async () => {
    // Nonces are drawn from a pool of random bytes; a thousand seals span several refills.
    const sealed = await Promise.all(
      Array.from({ length: 1000 }, (_, index) => keyring.encryptForClient(clientId, `note ${index}`, context)),
    );
    expect(new Set(sealed.map((value) => value.split('.')[2])).size).toBe(1000);
    // Seals from before and after refills open.
    expect(await keyring.decryptTextForClient(clientId, sealed[0], context)).toBe('note 0');
    expect(await keyring.decryptTextForClient(clientId, sealed[999], context)).toBe('note 999');
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

  it('opens with an opener, made once, without asking the database again, and refuses what decrypt refuses', async () => {
    const sealed = await keyring.encryptForClient(clientId, 'Feeling low since Tuesday', context);
    const opener = await keyring.openerFor(clientId);
    const asked = keys.finds + keys.states;
    // Past the re-check window, decrypt would look the key up again; the opener does not.
    clock.advance(60_000 - 1);
    expect(opener(sealed, context).toString('utf8')).toBe('Feeling low since Tuesday');
    expect(keys.finds + keys.states).toBe(asked);
    expect(() => opener(tamper(sealed, 4), context)).toThrow(SealError);
    expect(() => opener(sealed, 'message.body:another')).toThrow(SealError);
    expect(() => opener('not sealed', context)).toThrow(SealError);
    expect(() => opener(sealed, '')).toThrow(RangeError);
    await expect(keyring.openerFor('not-a-uuid')).rejects.toThrow(RangeError);
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
    const dataKey = open(masterKey.key, row.wrappedKey as string, clientDataKeyContext(clientId, 1));
    expect(dataKey).toHaveLength(32);
    expect(row.wrappedKey).not.toContain(dataKey.toString('base64url'));
    expect(() => open(masterKey.key, row.wrappedKey as string, clientDataKeyContext(randomUUID(), 1))).toThrow(
      SealError,
    );
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

  describe('with previous master keys', () => {
    const previous = new MasterKey(randomBytes(32));

    it('opens keys wrapped under the current or a previous master key, and wraps new keys under the current one', async () => {
      const underPrevious = await new ClientKeyring(
        keys as unknown as ClientDataKeyRepository,
        previous,
        clock,
      ).encryptForClient(clientId, 'before the rotation', context);
      const rotating = new ClientKeyring(
        keys as unknown as ClientDataKeyRepository,
        new MasterKeys(masterKey, [previous]),
        clock,
      );
      const otherClient = randomUUID();
      const underCurrent = await rotating.encryptForClient(otherClient, 'after the rotation', context);
      expect(keys.rows.get(clientId)?.masterKeyId).toBe(previous.id);
      expect(keys.rows.get(otherClient)?.masterKeyId).toBe(masterKey.id);
      expect(await rotating.decryptTextForClient(clientId, underPrevious, context)).toBe('before the rotation');
      expect(await rotating.decryptTextForClient(otherClient, underCurrent, context)).toBe('after the rotation');
      // Without the previous key, its keys do not open.
      await expect(keyring.decryptForClient(clientId, underPrevious, context)).rejects.toThrow(/not configured/);
    });

    it('refuses a master key configured twice, the current one included', () => {
      expect(() => new MasterKeys(masterKey, [previous, new MasterKey(Buffer.from(previous.key))])).toThrow(
        /configured twice/,
      );
      expect(() => new MasterKeys(masterKey, [masterKey.key])).toThrow(/configured twice/);
    });
  });

  describe('destroyClientKey (crypto-shredding)', () => {
    it('makes what was sealed unreadable and refuses to seal more, without making a new key', async () => {
      const sealed = await keyring.encryptForClient(clientId, 'Before the erasure request', context);
      const destroyedAt = await keyring.destroyClientKey(clientId);
      expect(destroyedAt).toEqual(clock.now());
      expect(keys.rows.get(clientId)).toMatchObject({ wrappedKey: null, destroyedAt, keyVersion: 1 });
      await expect(keyring.decryptForClient(clientId, sealed, context)).rejects.toThrow(ClientKeyDestroyedError);
      await expect(keyring.decryptForClient(clientId, sealed, context)).rejects.toThrow(SealError);
      await expect(keyring.encryptForClient(clientId, 'after', context)).rejects.toThrow(ClientKeyDestroyedError);
      expect(keys.rows.get(clientId)).toMatchObject({ wrappedKey: null });
    });

    it('leaves a tombstone for a client that had no key, and keeps the first destruction time', async () => {
      const first = await keyring.destroyClientKey(clientId);
      clock.advance(1000);
      expect(await keyring.destroyClientKey(clientId.toUpperCase())).toEqual(first);
      await expect(keyring.encryptForClient(clientId, 'x', context)).rejects.toThrow(ClientKeyDestroyedError);
      expect(keys.rows.size).toBe(1);
    });

    it('refuses an id that is not a uuid', async () => {
      await expect(keyring.destroyClientKey('client-1')).rejects.toThrow(RangeError);
      expect(keys.rows.size).toBe(0);
    });

    it('is noticed by another keyring with the key cached within destructionCheckMilliseconds, one lookup per window', async () => {
      const sealed = await keyring.encryptForClient(clientId, 'x', context);
      const other = new ClientKeyring(keys as unknown as ClientDataKeyRepository, masterKey, clock, {
        destructionCheckMilliseconds: 10_000,
      });
      expect(await other.decryptTextForClient(clientId, sealed, context)).toBe('x');
      await keyring.destroyClientKey(clientId);

      // Inside the window the other keyring still uses its cached key and asks nothing.
      clock.advance(9_999);
      expect(await other.decryptTextForClient(clientId, sealed, context)).toBe('x');
      expect(keys.states).toBe(0);
      // Past it, concurrent uses share one lookup, and all refuse.
      clock.advance(1);
      const attempts = await Promise.allSettled([
        other.decryptForClient(clientId, sealed, context),
        other.encryptForClient(clientId, 'y', context),
        other.encryptForClient(clientId, 'z', context),
      ]);
      expect(attempts.map((attempt) => attempt.status === 'rejected' && attempt.reason)).toEqual([
        expect.any(ClientKeyDestroyedError),
        expect.any(ClientKeyDestroyedError),
        expect.any(ClientKeyDestroyedError),
      ]);
      expect(keys.states).toBe(1);
      expect(keys.rows.get(clientId)).toMatchObject({ wrappedKey: null });
    });

    it('keeps a live cached key with a cheap re-check, without unwrapping it again', async () => {
      await keyring.encryptForClient(clientId, 'x', context);
      clock.advance(10_000);
      await keyring.encryptForClient(clientId, 'x', context);
      await keyring.encryptForClient(clientId, 'x', context);
      expect({ finds: keys.finds, states: keys.states }).toEqual({ finds: 1, states: 1 });
    });

    it('evicts a key that a load under way when it was destroyed would otherwise cache', async () => {
      await keyring.encryptForClient(randomUUID(), 'warm', context);
      const sealed = await new ClientKeyring(
        keys as unknown as ClientDataKeyRepository,
        masterKey,
        clock,
      ).encryptForClient(clientId, 'x', context);
      // The keyring's lookup reads the live row, then is held until the destruction has happened.
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const find = keys.find.bind(keys);
      keys.find = async (id: string) => {
        const row = await find(id);
        await held;
        return row;
      };
      const reading = keyring.decryptTextForClient(clientId, sealed, context);
      const destroying = keyring.destroyClientKey(clientId);
      release();
      // The read began before the destruction and may finish; nothing after it may.
      expect(await reading).toBe('x');
      await destroying;
      await expect(keyring.decryptForClient(clientId, sealed, context)).rejects.toThrow(ClientKeyDestroyedError);
    });
  });
});
