import { randomUUID } from 'node:crypto';
import { ClientKeyring } from '@sharedcare/crypto';
import { apiAs, grantConsent, registerClient, testProvider } from '../../../../test/support/api.js';
import { connectOutcome, startTestGateway, type TestGateway } from '../../../../test/support/gateway-app.js';
import { editPlan, joinPlan, planItem } from '../../../../test/support/safety-plan.js';

/** A crypto-shredded client (its data key destroyed) has nothing left to show, and nothing else breaks. */
describe('a crypto-shredded client', () => {
  let gateway: TestGateway;
  const therapist = { sub: randomUUID(), org: randomUUID(), role: 'therapist', name: 'Dana Reyes', cred: 'LCSW' };

  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  async function call(method: string, path: string, body?: unknown) {
    const token = await gateway.issuer.mint({ claims: therapist });
    const response = await fetch(`${gateway.url}/api${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  /** A client of a new care team, consented to a colleague for `categories`, and a thread of the two. */
  async function sharedThread(categories: string[] = ['general']) {
    const as = apiAs(gateway);
    const org = randomUUID();
    const author = testProvider('therapist', org, 'Dana Reyes', 'LCSW');
    const colleague = testProvider('psychiatrist', org, 'Sam Okafor', 'MD');
    await as(colleague, 'GET', '/me');
    const clientId = await registerClient(as, author);
    await grantConsent(as, author, clientId, [colleague.sub], categories as never, new Date(Date.now() + 86_400_000));
    const thread = await as(author, 'POST', '/threads', { clientId, subject: 'x', participantIds: [colleague.sub] });
    return { as, author, colleague, clientId, threadId: thread.body.threadId as string };
  }

  it('drops out of the list and reads as not_found, while the care team’s other clients stay readable', async () => {
    const kept = await call('POST', '/clients', { displayName: 'Kept Client', dateOfBirth: '1980-01-01' });
    const shredded = await call('POST', '/clients', { displayName: 'Shredded Client', dateOfBirth: '1981-02-02' });
    const shreddedId = shredded.body.clientId as string;
    await gateway.app.get(ClientKeyring).destroyClientKey(shreddedId);

    expect((await call('GET', '/clients')).body.clients).toEqual([
      expect.objectContaining({ clientId: kept.body.clientId, displayName: 'Kept Client' }),
    ]);
    expect(await call('GET', `/clients/${shreddedId}`)).toEqual({
      status: 404,
      body: { error: { code: 'not_found', message: expect.any(String) } },
    });
    expect((await call('GET', `/clients/${kept.body.clientId as string}`)).status).toBe(200);
  });

  it('answers a send to its thread not_found, to a participant and to an outsider alike, and stores nothing', async () => {
    const { as, author, colleague, clientId, threadId } = await sharedThread();
    const outsider = testProvider('therapist', randomUUID(), 'Ola Nowak', 'LCSW');
    await gateway.app.get(ClientKeyring).destroyClientKey(clientId);

    for (const sender of [author, colleague, outsider]) {
      const note = { clientMessageId: randomUUID(), kind: 'note', category: 'general', body: { text: 'After it' } };
      expect(await as(sender, 'POST', `/threads/${threadId}/messages`, note)).toMatchObject({
        status: 404,
        body: { error: { code: 'not_found' } },
      });
    }
    const [{ n }] = await gateway.db.dataSource.query(`SELECT count(*)::int AS n FROM messages WHERE thread_id = $1`, [
      threadId,
    ]);
    expect(n).toBe(1); // the opening notice alone
    // Each refusal is on the record, saying the client is shredded (the access report shows it to
    // the client's care team and admins, never to the outsider).
    const refused = (await gateway.db.dataSource.query(
      `SELECT actor_id, details FROM audit_records WHERE action = 'access.refused' AND resource_id = $1`,
      [threadId],
    )) as { actor_id: string; details: Record<string, unknown> }[];
    expect(refused).toEqual(
      expect.arrayContaining(
        [author, colleague, outsider].map((sender) => ({
          actor_id: sender.sub,
          details: { permission: 'message.send', shredded: true },
        })),
      ),
    );
    expect(refused).toHaveLength(3);
  });

  it('refuses reads that open nothing sealed too (metadata), records why, and keeps the access report', async () => {
    const { as, author, colleague, clientId, threadId } = await sharedThread();
    const note = { clientMessageId: randomUUID(), kind: 'note', category: 'general', body: { text: 'Before it' } };
    const sent = await as(author, 'POST', `/threads/${threadId}/messages`, note);
    const lastSeq = sent.body.seq as number;
    const socket = gateway.socket({ auth: { token: await gateway.issuer.mint({ claims: { ...colleague } }) } });
    expect(await connectOutcome(socket)).toEqual({ connected: true });
    // Before: an empty page after the last message, and receipts, answer without opening anything.
    expect((await as(colleague, 'GET', `/threads/${threadId}/messages?after=${lastSeq}`)).status).toBe(200);

    await gateway.app.get(ClientKeyring).destroyClientKey(clientId);

    const notFound = { status: 404, body: { error: { code: 'not_found', message: expect.any(String) } } };
    expect(await as(colleague, 'GET', `/threads/${threadId}/messages?after=${lastSeq}`)).toEqual(notFound);
    expect(await as(author, 'GET', `/clients/${clientId}/notices`)).toEqual(notFound);
    for (const [event, body] of [
      ['thread.join', { threadId, afterSeq: lastSeq }],
      ['message.read', { threadId, uptoSeq: lastSeq }],
      ['typing', { threadId }],
    ] as const) {
      expect([event, await socket.emitWithAck(event, body)]).toEqual([
        event,
        { ok: false, error: { code: 'not_found', message: expect.any(String) } },
      ]);
    }
    socket.disconnect();
    // The audit trail outlives the record: its report still answers, and shows why reads were refused.
    const report = await as(author, 'GET', `/clients/${clientId}/access-report`);
    expect(report.status).toBe(200);
    const refusals = (await gateway.db.dataSource.query(
      `SELECT actor_id, details FROM audit_records WHERE action = 'access.refused' AND client_id = $1`,
      [clientId],
    )) as { actor_id: string; details: Record<string, unknown> }[];
    expect(refusals.length).toBeGreaterThanOrEqual(5);
    for (const refusal of refusals) expect(refusal.details).toMatchObject({ shredded: true });
  });

  it('answers every read of its record not_found, over REST, FHIR and the socket, and nothing else breaks', async () => {
    const { as, author, colleague, clientId, threadId } = await sharedThread([
      'general',
      'symptoms',
      'medications',
      'safety_plan',
    ]);
    const send = (sender: typeof author, kind: string, category: string, body: object) =>
      as(sender, 'POST', `/threads/${threadId}/messages`, { clientMessageId: randomUUID(), kind, category, body });
    expect((await send(author, 'note', 'general', { text: 'Sleeping badly' })).status).toBe(201);
    const medication = {
      action: 'start',
      medication: { name: 'sertraline' },
      effectiveDate: '2026-12-01',
      reason: 'x',
    };
    expect((await send(colleague, 'medication_change', 'medications', medication)).status).toBe(201);
    const phq9 = { measures: [{ instrument: 'PHQ-9', score: 16, observedAt: new Date().toISOString() }] };
    expect((await send(author, 'symptom_update', 'symptoms', phq9)).status).toBe(201);
    const socket = gateway.socket({ auth: { token: await gateway.issuer.mint({ claims: { ...author } }) } });
    expect(await connectOutcome(socket)).toEqual({ connected: true });
    const editor = await joinPlan(socket, clientId);
    const edited = await editPlan(editor, (sections) => sections.get('warning_signs')!.push([planItem({ text: 'x' })]));
    expect(edited.ok).toBe(true);
    // Another client of the same care team, to show nothing else is affected.
    const keptId = await registerClient(as, author);
    const kept = await as(author, 'POST', '/threads', { clientId: keptId, subject: 'kept', participantIds: [] });

    await gateway.app.get(ClientKeyring).destroyClientKey(clientId);

    const notFound = { status: 404, body: { error: { code: 'not_found', message: expect.any(String) } } };
    for (const path of [
      `/threads/${threadId}`,
      `/threads/${threadId}/messages`,
      `/threads?clientId=${clientId}`,
      `/clients/${clientId}/consents`,
      `/clients/${clientId}/medications`,
      `/clients/${clientId}/measures`,
      `/clients/${clientId}/safety-plan`,
      `/clients/${clientId}/safety-plan/versions`,
    ]) {
      for (const reader of [author, colleague]) expect([path, await as(reader, 'GET', path)]).toEqual([path, notFound]);
    }
    const token = await gateway.issuer.mint({ claims: { ...author } });
    for (const type of ['CarePlan', 'Communication', 'Consent', 'MedicationStatement', 'Observation']) {
      const response = await fetch(`${gateway.url}/fhir/R4/${type}?patient=${clientId}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect([type, response.status]).toEqual([type, 404]);
    }
    expect(await socket.emitWithAck('thread.join', { threadId })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    expect(await socket.emitWithAck('safetyPlan.join', { clientId })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    socket.disconnect();
    // The care team's other client, and the lists that span clients, still answer.
    expect((await as(author, 'GET', `/threads/${kept.body.threadId as string}/messages`)).status).toBe(200);
    expect((await as(author, 'GET', `/threads?clientId=${keptId}`)).status).toBe(200);
    expect((await as(author, 'GET', '/acknowledgements/overdue')).status).toBe(200);
  });
});
