import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/test-database.js';
import { createAuthTestApp } from '../../test/auth-testing.js';
import { meta } from '../../test/fixtures.js';
import { authEntities, authMigrations } from '../database/schema.js';
import { LoginService } from '../login/login.service.js';
import { isValidNpi } from '../providers/npi.js';
import { DEMO_PASSWORD, DEMO_PROVIDERS } from './demo-seed.service.js';

describe('demo seed', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('auth', authEntities, authMigrations);
  });
  afterAll(async () => {
    await db.stop();
  });

  it('seeds the demo organisation and five accounts at boot, idempotently, and they log in without MFA', async () => {
    const keyEncryptionKey = randomBytes(32); // the same key across restarts, as a deployment keeps it
    for (let boot = 0; boot < 2; boot++) {
      const t = await createAuthTestApp(db, { demo: true, keyEncryptionKey });
      if (boot === 1) {
        const result = await t.get(LoginService).login({ email: 'therapist@demo.test', password: DEMO_PASSWORD }, meta);
        expect(result).toHaveProperty('accessToken');
      }
      await t.close();
    }
    const organisations = await db.dataSource.query('SELECT name FROM organisations');
    expect(organisations).toEqual([{ name: 'Demo Clinic' }]);
    const rows = await db.dataSource.query(
      'SELECT email, role, credential, npi, mfa_enabled FROM providers ORDER BY email',
    );
    expect(rows).toEqual(
      [
        ['admin@demo.test', 'admin', 'other'],
        ['care.manager@demo.test', 'care_manager', 'RN'],
        ['outsider@demo.test', 'therapist', 'LPC'],
        ['psychiatrist@demo.test', 'psychiatrist', 'MD'],
        ['therapist@demo.test', 'therapist', 'LCSW'],
      ].map(([email, role, credential]) => ({ email, role, credential, npi: expect.any(String), mfa_enabled: false })),
    );
    expect(DEMO_PROVIDERS.every((demo) => isValidNpi(demo.npi))).toBe(true);
  });

  it('never seeds in production, even if asked', async () => {
    const empty = await createTestDatabase('auth', authEntities, authMigrations);
    try {
      const t = await createAuthTestApp(empty, { demo: true, production: true });
      await t.close();
      expect(await empty.dataSource.query('SELECT email FROM providers')).toEqual([]);
    } finally {
      await empty.stop();
    }
  });
});
