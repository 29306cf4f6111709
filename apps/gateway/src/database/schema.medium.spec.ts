import { describeSchema } from '../../../../test/support/schema.js';
import { gatewayEntities, gatewayMigrations } from './schema.js';

describeSchema('gateway', gatewayEntities, gatewayMigrations, (db) => {
  it('says whose database it is', async () => {
    expect(await db().dataSource.query(`SELECT service FROM schema_info`)).toEqual([{ service: 'gateway' }]);
  });
});
