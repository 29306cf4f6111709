import { randomUUID } from 'node:crypto';
import { AuditRepository, AuditService, type AuditEntry } from '@sharedcare/audit';
import { FixedClock } from '@sharedcare/common';
import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/test-database.js';
import { gatewayEntities, gatewayMigrations } from '../database/schema.js';

const organisationId = randomUUID();

function entry(index: number): AuditEntry {
  return {
    actorId: randomUUID(),
    actorRole: 'therapist',
    organisationId,
    action: 'message.send',
    resourceType: 'message',
    resourceId: randomUUID(),
    outcome: 'success',
    ip: '203.0.113.7',
    details: { index },
  };
}

/**
 * Records written with recordLater (the send path): committed with the caller's change, linked
 * into the chain afterwards by one transaction for many, by whichever process gets there.
 */
describe('audit records linked after their transaction (libs/audit on the gateway database)', () => {
  let db: TestDatabase;
  /** The second process's own pool of connections. */
  let secondPool: DataSource;
  const clock = new FixedClock(new Date('2026-01-05T09:00:00.000Z'));
  /** Two services on one database, as two gateway processes. */
  let first: AuditService;
  let second: AuditService;

  beforeAll(async () => {
    db = await createTestDatabase('gateway', gatewayEntities, gatewayMigrations);
    secondPool = await new DataSource(db.dataSource.options).initialize();
    first = new AuditService(new AuditRepository(db.dataSource), clock);
    second = new AuditService(new AuditRepository(secondPool), clock);
  });
  afterAll(async () => {
    await secondPool?.destroy();
    await db?.stop();
  });

  const count = async (table: 'audit_records' | 'audit_pending'): Promise<number> =>
    ((await db.dataSource.query(`SELECT count(*)::int AS n FROM ${table}`)) as { n: number }[])[0].n;

  /** Writes each batch in its own transaction, as concurrent sends do. */
  const writeLater = (audit: AuditService, batches: AuditEntry[][]) =>
    Promise.all(batches.map((entries) => db.dataSource.transaction((manager) => audit.recordLater(entries, manager))));

  it('commits the records with the transaction and leaves the chain alone until they are linked', async () => {
    const before = await count('audit_records');
    await writeLater(first, [[entry(0), entry(1)]]);
    expect(await count('audit_pending')).toBe(2);
    expect(await count('audit_records')).toBe(before);

    await first.linkPending();
    expect(await count('audit_pending')).toBe(0);
    const linked = (await db.dataSource.query(
      `SELECT sequence::int AS sequence, details->>'index' AS index FROM audit_records ORDER BY sequence DESC LIMIT 2`,
    )) as { sequence: number; index: string }[];
    // In the order written, after what the chain held.
    expect(linked).toEqual([
      { sequence: before + 2, index: '1' },
      { sequence: before + 1, index: '0' },
    ]);
    await expect(first.verify()).resolves.toEqual({ ok: true, count: before + 2 });
  });

  it('links by itself soon after a commit, with no reader asking', async () => {
    const alone = new AuditService(new AuditRepository(db.dataSource), clock);
    await writeLater(alone, [[entry(0)]]);
    alone.linkSoon();
    alone.linkSoon(); // one link for both
    // Waiting for the state to change, with a deadline; this service has no sweep.
    const deadline = Date.now() + 5_000;
    while ((await count('audit_pending')) > 0) {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });

  it('refuses, whoever asks, to delete or change a record that is not in the chain yet', async () => {
    await writeLater(first, [[entry(0)]]);
    await expect(db.dataSource.query(`DELETE FROM audit_pending`)).rejects.toThrow(
      /pending audit records leave only into the chain: DELETE refused/,
    );
    await expect(db.dataSource.query(`UPDATE audit_pending SET ip = 'elsewhere'`)).rejects.toThrow(/UPDATE refused/);
    await expect(db.dataSource.query(`TRUNCATE audit_pending`)).rejects.toThrow(/TRUNCATE refused/);
    expect(await count('audit_pending')).toBe(1);
    await first.linkPending();
    expect(await count('audit_pending')).toBe(0);
  });

  it('writes nothing when the transaction rolls back, or when an entry is malformed', async () => {
    await expect(
      db.dataSource.transaction(async (manager) => {
        await first.recordLater([entry(0)], manager);
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    await expect(
      db.dataSource.transaction((manager) =>
        first.recordLater([entry(1), { ...entry(2), details: { note: 'Client disclosed a relapse' } }], manager),
      ),
    ).rejects.toMatchObject({ code: 'invalid' });
    expect(await count('audit_pending')).toBe(0);
  });

  it('links what two processes wrote, concurrently, into one gap-free chain, each record once', async () => {
    const before = await count('audit_records');
    const batches = (offset: number) =>
      Array.from({ length: 20 }, (_, batch) => [entry(offset + batch * 3), entry(offset + batch * 3 + 1)]);
    await Promise.all([writeLater(first, batches(0)), writeLater(second, batches(1000))]);
    // (writeLater uses the first pool; the linkers below each use their own.)
    expect(await count('audit_pending')).toBe(80);

    await Promise.all([first.linkPending(), second.linkPending(), first.linkPending()]);
    expect(await count('audit_pending')).toBe(0);
    expect(await count('audit_records')).toBe(before + 80);
    const [{ distinct }] = (await db.dataSource.query(
      `SELECT count(DISTINCT resource_id)::int AS distinct FROM audit_records`,
    )) as { distinct: number }[];
    expect(distinct).toBe(before + 80);
    await expect(second.verify()).resolves.toEqual({ ok: true, count: before + 80 });
  });

  it('shows pending records to readers: verify and a client’s records link first', async () => {
    const clientId = randomUUID();
    await writeLater(first, [[{ ...entry(7), clientId }]]);
    // Asked of the other process, which did not write it.
    const records = await second.forClient(clientId, { limit: 10 });
    expect(records.map((record) => record.details)).toEqual([{ index: 7 }]);
    expect(await count('audit_pending')).toBe(0);
  });

  it('links, within seconds, what a process wrote and never linked (it stopped first), from another process', async () => {
    const sweeping = new AuditService(new AuditRepository(db.dataSource), clock);
    sweeping.onModuleInit();
    try {
      await writeLater(first, [[entry(0)], [entry(1)]]);
      // Waiting for the state to change (the sweep runs every second), with a deadline.
      const deadline = Date.now() + 10_000;
      while ((await count('audit_pending')) > 0) {
        expect(Date.now()).toBeLessThan(deadline);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await expect(sweeping.verify()).resolves.toMatchObject({ ok: true });
    } finally {
      await sweeping.beforeApplicationShutdown();
    }
  });
});
