import { describeSchema } from '../../../../test/support/schema.js';
import { authEntities, authMigrations } from './schema.js';

describeSchema('auth', authEntities, authMigrations);
