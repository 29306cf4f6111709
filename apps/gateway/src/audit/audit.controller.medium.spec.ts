import { AuditService } from '@sharedcare/audit';
import { startTestGateway, type TestGateway } from '../../../../test/support/gateway-app.js';

describe('GET /api/audit/verify', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  const verify = async (role?: string) =>
    fetch(`${gateway.url}/api/audit/verify`, {
      headers: role ? { authorization: `Bearer ${await gateway.issuer.mint({ claims: { role } })}` } : {},
    });

  async function recordOne(): Promise<void> {
    await gateway.app.get(AuditService).record({
      actorId: gateway.issuer.claims().sub as string,
      actorRole: 'therapist',
      organisationId: gateway.issuer.claims().org as string,
      action: 'client.read',
      resourceType: 'client',
      resourceId: 'c1',
      outcome: 'success',
      ip: '127.0.0.1',
    });
  }

  it('answers an admin with the verified chain', async () => {
    await recordOne();
    await recordOne();
    const response = await verify('admin');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, count: 2 });
  });

  it('names the first broken record to an admin', async () => {
    await gateway.db.dataSource.query(`ALTER TABLE audit_records DISABLE TRIGGER audit_records_append_only`);
    try {
      await gateway.db.dataSource.query(`UPDATE audit_records SET resource_id = 'c2' WHERE sequence = 1`);
    } finally {
      await gateway.db.dataSource.query(`ALTER TABLE audit_records ENABLE TRIGGER audit_records_append_only`);
    }
    const response = await verify('admin');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: false, count: 0, firstBrokenSequence: 1, reason: 'hash_mismatch' });
  });

  it.each(['therapist', 'psychiatrist', 'care_manager', 'primary_care'])(
    'answers a %s 404 not_found, as if the route did not exist, and audits the refusal',
    async (role) => {
      const response = await verify(role);
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
      const [last] = await gateway.db.dataSource.query(
        `SELECT actor_role, action, resource_type, resource_id, outcome, details FROM audit_records ORDER BY sequence DESC LIMIT 1`,
      );
      expect(last).toEqual({
        actor_role: role,
        action: 'access.refused',
        resource_type: 'permission',
        resource_id: 'audit.verify',
        outcome: 'refused',
        details: { permission: 'audit.verify', reason: 'role' },
      });
    },
  );

  it('answers a request without a token 401 unauthenticated', async () => {
    const response = await verify();
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: { code: 'unauthenticated', message: expect.any(String) } });
  });
});
