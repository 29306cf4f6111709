import { createHash } from 'node:crypto';
import type { ClientBase, QueryResultRow } from 'pg';
import {
  type DataSource,
  type EntityManager,
  QueryFailedError,
  type QueryRunner,
  QueryRunnerAlreadyReleasedError,
} from 'typeorm';
import { poolSize } from './typeorm-options.js';

/** Statement names by SQL text: a name is the text's hash, so one text always has one name. */
const names = new Map<string, string>();

function statementName(sql: string): string {
  let name = names.get(sql);
  if (name === undefined) {
    name = `sc_${createHash('sha256').update(sql).digest('hex').slice(0, 32)}`;
    names.set(sql, name);
  }
  return name;
}

/**
 * Runs a statement of the hot paths (every send, every access decision) as a named prepared
 * statement: PostgreSQL parses it once per connection instead of on every call, and after five
 * executions plans it once too, unless a plan for the parameters at hand promises to be much
 * cheaper. Planning the access decision's statement (joins over `unnest` of array parameters)
 * cost the database three times its execution. `sql` must be fixed text (parameters as `$n`), never built from input, or
 * every variant would be kept on every connection.
 *
 * On the embedded database every connection is a socket onto PGlite's one session, where a second
 * connection preparing the same name would be refused, so there the statement goes unnamed.
 * Behind a pooler in transaction mode (PgBouncer) named statements need its prepared-statement
 * support (`max_prepared_statements`).
 *
 * Returns the rows; errors are TypeORM's QueryFailedError, as from `query`.
 */
export async function preparedQuery<Row extends QueryResultRow>(
  run: DataSource | EntityManager,
  sql: string,
  parameters: readonly unknown[],
): Promise<Row[]> {
  const dataSource = 'dataSource' in run ? run.dataSource : run;
  const within = 'dataSource' in run ? run.queryRunner : undefined;
  // As TypeORM's own query does: a released runner's connection may serve another caller by now.
  if (within?.isReleased) throw new QueryRunnerAlreadyReleasedError();
  const runner: QueryRunner = within ?? dataSource.createQueryRunner();
  try {
    const client = (await runner.connect()) as ClientBase;
    const name = poolSize(dataSource) > 1 ? statementName(sql) : undefined;
    const result = await client.query<Row>({ name, text: sql, values: [...parameters] });
    return result.rows;
  } catch (error) {
    throw error instanceof QueryFailedError ? error : new QueryFailedError(sql, [...parameters], error as Error);
  } finally {
    if (!within) await runner.release();
  }
}
