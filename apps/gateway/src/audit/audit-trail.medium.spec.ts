import { randomUUID } from 'node:crypto';
import { AuditRepository, AuditService, type AuditEntry, GENESIS_HASH, hashAuditRecord } from '@sharedcare/audit';
import { FixedClock } from '@sharedcare/common';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/test-database.js';
import { gatewayEntities, gatewayMigrations } from '../database/schema.js';

const organisationId = randomUUID();
const actorId = randomUUID();

function entry(overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    actorId,
    actorRole: 'therapist',
    organisationId,
    action: 'client.read',
    resourceType: 'client',
    resourceId: randomUUID(),
    clientId: null,
    category: null,
    outcome: 'success',
    ip: '203.0.113.7',
    userAgent: 'jest',
    details: {},
    ...overrides,
  };
}

/** The audit trail on the gateway's own migrated database (the append-only triggers live there). */
describe('audit trail (libs/audit on the gateway database)', () => {
  let db: TestDatabase;
  let clock: FixedClock;
  let repository: AuditRepository;
  let audit: AuditService;

  beforeAll(async () => {
    db = await createTestDatabase('gateway', gatewayEntities, gatewayMigrations);
  });
  afterAll(async () => {
    await db?.stop();
  });
  beforeEach(async () => {
    // Each test starts from an empty chain; the triggers refuse TRUNCATE, so step around them.
    await db.dataSource.query(`ALTER TABLE audit_records DISABLE TRIGGER audit_records_no_truncate`);
    await db.dataSource.query(`TRUNCATE audit_records`);
    await db.dataSource.query(`ALTER TABLE audit_records ENABLE TRIGGER audit_records_no_truncate`);
    // The head the trigger keeps goes back to the genesis link with them.
    await db.dataSource.query(`UPDATE audit_chain_head SET sequence = 0, hash = repeat('0', 64)`);
    clock = new FixedClock(new Date('2026-01-05T09:00:00.000Z'));
    repository = new AuditRepository(db.dataSource);
    audit = new AuditService(repository, clock);
  });

  /** Changes rows past the triggers, as only a superuser or the table's owner could. */
  async function tamper(sql: string, parameters: unknown[] = []): Promise<void> {
    await db.dataSource.query(`ALTER TABLE audit_records DISABLE TRIGGER audit_records_append_only`);
    try {
      await db.dataSource.query(sql, parameters);
    } finally {
      await db.dataSource.query(`ALTER TABLE audit_records ENABLE TRIGGER audit_records_append_only`);
    }
  }

  async function appendMany(count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      await audit.record(entry({ details: { index: i } }));
      clock.advance(1000);
    }
  }

  it('verifies an empty chain', async () => {
    await expect(audit.verify()).resolves.toEqual({ ok: true, count: 0 });
  });

  it('appends records that form a valid chain from the genesis hash', async () => {
    const first = await audit.record(entry({ clientId: randomUUID(), category: 'mental_health' }));
    clock.advance(1500);
    const second = await audit.record(entry({ action: 'access.refused', outcome: 'refused', details: { code: 'x' } }));

    expect(first).toMatchObject({ sequence: 1, prevHash: GENESIS_HASH, occurredAt: new Date('2026-01-05T09:00:00Z') });
    expect(second).toMatchObject({ sequence: 2, prevHash: first.hash, occurredAt: new Date('2026-01-05T09:00:01.5Z') });

    const stored = await db.dataSource.query(
      `SELECT sequence::int AS sequence, action, outcome, prev_hash AS "prevHash", hash FROM audit_records ORDER BY sequence`,
    );
    expect(stored).toEqual([
      { sequence: 1, action: 'client.read', outcome: 'success', prevHash: GENESIS_HASH, hash: first.hash },
      { sequence: 2, action: 'access.refused', outcome: 'refused', prevHash: first.hash, hash: second.hash },
    ]);
    // The hash read back from the database is the hash of what was read back.
    const [page] = [await repository.page(0, 10)];
    expect(page.map((record) => hashAuditRecord(record))).toEqual([first.hash, second.hash]);
    await expect(audit.verify()).resolves.toEqual({ ok: true, count: 2 });
  });

  it('keeps 20 concurrent appends in one chain: sequences 1..20, no gaps, no fork', async () => {
    const records = await Promise.all(
      Array.from({ length: 20 }, (_, i) => audit.record(entry({ details: { index: i } }))),
    );
    expect(records.map((record) => record.sequence).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    const prevHashes = new Set(records.map((record) => record.prevHash));
    expect(prevHashes.size).toBe(20);
    await expect(audit.verify()).resolves.toEqual({ ok: true, count: 20 });
  });

  it('appends a batch as consecutive links, alongside concurrent single appends', async () => {
    const [batch] = await Promise.all([
      audit.recordAll([
        entry({ details: { index: 0 } }),
        entry({ details: { index: 1 } }),
        entry({ details: { index: 2 } }),
      ]),
      audit.record(entry({ details: { index: 9 } })),
    ]);
    expect(batch[1].prevHash).toBe(batch[0].hash);
    expect(batch[2].prevHash).toBe(batch[1].hash);
    expect(batch.map((record) => record.sequence)).toEqual([
      batch[0].sequence,
      batch[0].sequence + 1,
      batch[0].sequence + 2,
    ]);
    await expect(audit.verify()).resolves.toEqual({ ok: true, count: 4 });
    // The head row writers lock and read follows the last record, a batch's included.
    const [last] = await db.dataSource.query(
      `SELECT sequence::int AS sequence, hash FROM audit_records ORDER BY sequence DESC LIMIT 1`,
    );
    expect(await db.dataSource.query(`SELECT sequence::int AS sequence, hash FROM audit_chain_head`)).toEqual([last]);
  });

  it('writes nothing of a batch with one malformed entry', async () => {
    await expect(
      audit.recordAll([entry(), entry({ details: { note: 'Client disclosed a relapse' } })]),
    ).rejects.toMatchObject({ code: 'invalid' });
    expect(await db.dataSource.query(`SELECT count(*)::int AS n FROM audit_records`)).toEqual([{ n: 0 }]);
  });

  it('walks the chain in pages, never reading more than a page at once', async () => {
    await appendMany(10);
    const sizes: number[] = [];
    const page = repository.page.bind(repository);
    const counting = Object.assign(Object.create(repository) as AuditRepository, {
      page: async (after: number, limit: number) => {
        const rows = await page(after, limit);
        sizes.push(rows.length);
        return rows;
      },
    });
    await expect(new AuditService(counting, clock).verify(3)).resolves.toEqual({ ok: true, count: 10 });
    expect(sizes).toEqual([3, 3, 3, 1]);
  });

  it('refuses UPDATE, DELETE and TRUNCATE of audit rows on the service’s own connection', async () => {
    await appendMany(2);
    await expect(
      db.dataSource.query(`UPDATE audit_records SET action = 'client.update' WHERE sequence = 1`),
    ).rejects.toThrow(/append-only: UPDATE refused/);
    await expect(db.dataSource.query(`DELETE FROM audit_records WHERE sequence = 2`)).rejects.toThrow(
      /append-only: DELETE refused/,
    );
    await expect(db.dataSource.query(`TRUNCATE audit_records`)).rejects.toThrow(/append-only: TRUNCATE refused/);
    expect(await db.dataSource.query(`SELECT action FROM audit_records ORDER BY sequence`)).toEqual([
      { action: 'client.read' },
      { action: 'client.read' },
    ]);
    await expect(audit.verify()).resolves.toEqual({ ok: true, count: 2 });
  });

  it.each([
    ['a row in the middle', 4],
    ['the first row', 1],
    ['the last row', 7],
  ])('names %s whose action was altered in SQL as the first broken record', async (_where, sequence) => {
    await appendMany(7);
    await tamper(`UPDATE audit_records SET action = 'client.export' WHERE sequence = $1`, [sequence]);
    await expect(audit.verify()).resolves.toEqual({
      ok: false,
      count: sequence - 1,
      firstBrokenSequence: sequence,
      reason: 'hash_mismatch',
    });
    // Put back, the chain verifies again: the failure was that row's content and nothing else.
    await tamper(`UPDATE audit_records SET action = 'client.read' WHERE sequence = $1`, [sequence]);
    await expect(audit.verify()).resolves.toEqual({ ok: true, count: 7 });
  });

  it('finds a row whose hash was recomputed after an edit: its successor no longer links to it', async () => {
    await appendMany(5);
    const [row] = await repository.page(2, 1);
    const forged = { ...row, details: { index: 99 } };
    await tamper(`UPDATE audit_records SET details = $1, hash = $2 WHERE sequence = 3`, [
      JSON.stringify(forged.details),
      hashAuditRecord(forged),
    ]);
    await expect(audit.verify()).resolves.toEqual({
      ok: false,
      count: 3,
      firstBrokenSequence: 4,
      reason: 'prev_hash_mismatch',
    });
  });

  it('names a deleted row as missing', async () => {
    await appendMany(5);
    await tamper(`DELETE FROM audit_records WHERE sequence = 2`);
    await expect(audit.verify()).resolves.toEqual({
      ok: false,
      count: 1,
      firstBrokenSequence: 2,
      reason: 'missing_record',
    });
  });

  it('refuses clinical text and malformed entries before writing anything', async () => {
    const refusals = [
      entry({ details: { note: 'Client disclosed a relapse last week' } }),
      entry({ details: { body: { text: 'x' } } as never }),
      entry({ action: 'read' }),
      entry({ action: 'Client Read' }),
      entry({ outcome: 'maybe' as never }),
      entry({ category: 'Substance use' }),
      entry({ resourceType: 'a client' }),
    ];
    for (const bad of refusals) await expect(audit.record(bad)).rejects.toMatchObject({ code: 'invalid' });
    expect(await db.dataSource.query(`SELECT count(*)::int AS n FROM audit_records`)).toEqual([{ n: 0 }]);
  });
});
