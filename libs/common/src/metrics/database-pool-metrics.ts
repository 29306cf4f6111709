import { Gauge, type Registry } from 'prom-client';
import type { DataSource } from 'typeorm';

/** The counters node-postgres keeps on a pool (TypeORM's postgres driver holds one as `master`). */
interface PoolStatistics {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
  options?: { max?: number };
}

/**
 * Gauges read from the TypeORM pool at scrape time. The embedded database is reached through the
 * same driver with a pool of one, so the same figures hold there: waiting clients show queries
 * queueing for its single connection.
 */
export function registerDatabasePoolMetrics(registry: Registry, dataSource: DataSource): void {
  const pool = () => (dataSource.driver as unknown as { master?: PoolStatistics }).master;
  const gauge = (name: string, help: string, read: (pool: PoolStatistics) => number | undefined) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const current = pool();
        const value = current ? read(current) : undefined;
        if (value !== undefined) this.set(value);
      },
    });
  gauge('sharedcare_db_pool_connections', 'Open connections in the database pool.', (p) => p.totalCount);
  gauge('sharedcare_db_pool_idle_connections', 'Idle connections in the database pool.', (p) => p.idleCount);
  gauge('sharedcare_db_pool_waiting_clients', 'Queries waiting for a pool connection.', (p) => p.waitingCount);
  gauge('sharedcare_db_pool_max_connections', 'The pool’s connection limit.', (p) => p.options?.max);
}
