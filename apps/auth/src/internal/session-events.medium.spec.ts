import { randomBytes, randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/test-database.js';
import { type AuthTestApp, createAuthTestApp } from '../../test/auth-testing.js';
import { authEntities, authMigrations } from '../database/schema.js';
import { OutboxRepository } from '../events/outbox.repository.js';

/** GET /internal/session-events: the outbox feed a consult service without Redis polls. */
describe('internal session events feed', () => {
  const internalApiKey = randomBytes(32);
  let db: TestDatabase;
  let t: AuthTestApp;
  let url: string;

  beforeAll(async () => {
    db = await createTestDatabase('auth', authEntities, authMigrations);
    t = await createAuthTestApp(db, { internalApiKey });
    url = await t.listen();
  });
  afterAll(async () => {
    await t.close();
    await db.stop();
  });

  async function feed(after?: string, key: Buffer = internalApiKey) {
    const response = await fetch(
      `${url}/internal/session-events${after ? `?after=${encodeURIComponent(after)}` : ''}`,
      {
        headers: { authorization: `Bearer ${key.toString('base64url')}` },
      },
    );
    return {
      status: response.status,
      body: (await response.json()) as { events: { providerId: string }[]; nextAfter: string },
    };
  }

  async function happen(type: string, at: Date, sessionIds: string[] | null = [randomUUID()]) {
    const event = {
      id: randomUUID(),
      type,
      providerId: randomUUID(),
      organisationId: randomUUID(),
      occurredAt: at,
      sessionIds,
      publishedAt: null,
    };
    await t.get(OutboxRepository).add(event);
    return event;
  }

  it('answers only the position at first, then every event after it, in order, exactly once', async () => {
    const old = await happen('provider.sessions_revoked', new Date(Date.now() - 60_000));
    const start = await feed();
    expect(start).toEqual({ status: 200, body: { events: [], nextAfter: `${old.occurredAt.getTime()}:${old.id}` } });

    const at = new Date();
    const first = await happen('provider.sessions_revoked', at, [randomUUID(), randomUUID()]);
    const second = await happen('provider.disabled', at);
    const page = await feed(start.body.nextAfter);
    const expected = [first, second].sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(page.body.events).toEqual(
      expected.map((event) => ({
        type: event.type,
        providerId: event.providerId,
        organisationId: event.organisationId,
        sessionIds: event.sessionIds,
        at: at.toISOString(),
      })),
    );
    const again = await feed(page.body.nextAfter);
    expect(again.body).toEqual({ events: [], nextAfter: page.body.nextAfter });
  });

  it('replays from a position in the past (a consult service starting up), and leaves out a list never written', async () => {
    const from = Date.now() - 600_000;
    const earlier = await happen('provider.sessions_revoked', new Date(from + 1_000), null);
    const page = await feed(`${from}:00000000-0000-0000-0000-000000000000`);
    expect(page.body.events[0]).toEqual({
      type: 'provider.sessions_revoked',
      providerId: earlier.providerId,
      organisationId: earlier.organisationId,
      at: earlier.occurredAt.toISOString(),
    });
  });

  it('refuses a wrong key and a malformed position', async () => {
    expect((await feed(undefined, randomBytes(32))).status).toBe(401);
    expect((await feed('yesterday')).status).toBe(400);
  });
});
