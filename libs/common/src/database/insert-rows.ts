import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { preparedQuery } from './prepared-query.js';

/** An entity's rows as one array parameter per column, for `unnest`. */
export interface RowArrays {
  /** The escaped column names, in order. */
  names: string[];
  /** `$n::type[]` for each column, numbered after `offset`. */
  arrays: string[];
  /** The parameters: each column's values, row by row. */
  values: unknown[][];
}

/**
 * Rows of an entity as one array parameter per column, named, typed and transformed as TypeORM's
 * metadata for the entity says, so the entity stays the one description of its table. Every
 * column is written: a value left undefined is written as null. Array columns cannot travel in one
 * array parameter, and are refused. Parameters are numbered from `offset + 1`.
 */
export function rowArrays<T extends ObjectLiteral>(
  manager: EntityManager,
  target: EntityTarget<T>,
  rows: readonly T[],
  offset = 0,
): RowArrays {
  const metadata = manager.connection.getMetadata(target);
  const driver = manager.connection.driver;
  const columns = metadata.columns.filter((column) => column.isInsert && !column.isVirtual && !column.isGenerated);
  const array = columns.find((column) => column.isArray);
  if (array) throw new Error(`insertRows cannot write the array column ${metadata.tableName}.${array.databaseName}`);
  const types = columns.map((column) => driver.normalizeType(column));
  return {
    names: columns.map((column) => driver.escape(column.databaseName)),
    arrays: types.map((type, index) => `$${offset + index + 1}::${type}[]`),
    values: columns.map((column, index) => {
      // JSON goes as text: node-postgres would write a JSON array as a nested array element.
      const json = types[index] === 'json' || types[index] === 'jsonb';
      return rows.map((row) => {
        const value = column.getEntityValue(row, true) as unknown;
        if (value === undefined || value === null) return null;
        return json ? JSON.stringify(value) : value;
      });
    }),
  };
}

/**
 * Inserts rows of an entity with one statement holding one array parameter per column
 * (`INSERT … SELECT * FROM unnest(…)`, see {@link rowArrays}), however many rows there are.
 * TypeORM's insert builder binds one parameter per value and looks each up among all the others,
 * which for a group-committed batch of sends cost the process more than the database's own work.
 *
 * Returns the number of rows inserted: with `ignoreConflicts`, rows that would break a unique
 * constraint are skipped (`ON CONFLICT DO NOTHING`) and not counted.
 */
export async function insertRows<T extends ObjectLiteral>(
  manager: EntityManager,
  target: EntityTarget<T>,
  rows: readonly T[],
  options: { ignoreConflicts?: boolean } = {},
): Promise<number> {
  if (rows.length === 0) return 0;
  const { names, arrays, values } = rowArrays(manager, target, rows);
  const table = manager.connection.driver.escape(manager.connection.getMetadata(target).tableName);
  const sql =
    `INSERT INTO ${table} (${names.join(', ')}) SELECT * FROM unnest(${arrays.join(', ')})` +
    (options.ignoreConflicts ? ' ON CONFLICT DO NOTHING' : '') +
    ' RETURNING 1';
  return (await preparedQuery(manager, sql, values)).length;
}
