import { randomUUID } from 'node:crypto';
import { Column, Entity, type MigrationInterface, PrimaryColumn, type QueryRunner } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/test-database.js';
import { insertRows } from './insert-rows.js';

const asNumber = { to: (value: number) => value, from: (value: string) => Number(value) };

@Entity('rows_written')
class RowWritten {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'bigint', unique: true, transformer: asNumber })
  position!: number;

  @Column({ type: 'varchar', length: 64, nullable: true })
  note!: string | null;

  @Column({ type: 'jsonb' })
  details!: unknown;

  @Column({ name: 'written_at', type: 'timestamptz' })
  writtenAt!: Date;

  @Column({ type: 'boolean' })
  flagged!: boolean;
}

@Entity('rows_with_array')
class RowWithArray {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'uuid', array: true })
  ids!: string[];
}

class CreateRows1700000000000 implements MigrationInterface {
  name = 'CreateRows1700000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE TABLE rows_written (id uuid PRIMARY KEY, position bigint NOT NULL UNIQUE,
      note varchar(64), details jsonb NOT NULL, written_at timestamptz NOT NULL, flagged boolean NOT NULL)`);
    await runner.query(`CREATE TABLE rows_with_array (id uuid PRIMARY KEY, ids uuid[] NOT NULL)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE rows_with_array; DROP TABLE rows_written`);
  }
}

const row = (position: number, overrides: Partial<RowWritten> = {}): RowWritten => ({
  id: randomUUID(),
  position,
  note: `it's "row" {${position}}, with \\ and ,`,
  details: { providerIds: [randomUUID()], position },
  writtenAt: new Date(Date.UTC(2026, 10, 27, 12, 0, position)),
  flagged: position % 2 === 0,
  ...overrides,
});

describe('insertRows', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('insert-rows', [RowWritten, RowWithArray], [CreateRows1700000000000]);
  });
  afterAll(() => database?.stop());

  const stored = () => database.dataSource.getRepository(RowWritten).find({ order: { position: 'ASC' } });

  it('writes every row and column as TypeORM reads it back, text needing escapes, JSON arrays and nulls included', async () => {
    const rows = [row(1), row(2, { note: null, details: ['a', { b: 1 }] }), row(3)];
    await database.dataSource.transaction(async (manager) => {
      expect(await insertRows(manager, RowWritten, rows)).toBe(3);
    });
    expect(await stored()).toEqual(rows);
  });

  it('skips rows that break a unique constraint when asked, and counts only those written', async () => {
    const before = await stored();
    const fresh = row(10);
    const clash = row(1);
    const written = await database.dataSource.transaction((manager) =>
      insertRows(manager, RowWritten, [fresh, clash], { ignoreConflicts: true }),
    );
    expect(written).toBe(1);
    expect(await stored()).toEqual([...before, fresh]);
  });

  it('otherwise refuses the whole statement on a conflict, writing nothing', async () => {
    const before = await stored();
    await expect(
      database.dataSource.transaction((manager) => insertRows(manager, RowWritten, [row(20), row(2)])),
    ).rejects.toThrow(/duplicate key/);
    expect(await stored()).toEqual(before);
  });

  it('writes nothing, without a statement, for no rows', async () => {
    const before = await stored();
    expect(await database.dataSource.transaction((manager) => insertRows(manager, RowWritten, []))).toBe(0);
    expect(await stored()).toEqual(before);
  });

  it('refuses an entity with an array column rather than writing it wrong', async () => {
    await expect(
      database.dataSource.transaction((manager) =>
        insertRows(manager, RowWithArray, [{ id: randomUUID(), ids: [randomUUID()] }]),
      ),
    ).rejects.toThrow(/array column rows_with_array\.ids/);
    expect(await database.dataSource.getRepository(RowWithArray).count()).toBe(0);
  });
});
