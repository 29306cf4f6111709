import { randomUUID } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import { demoLogin } from '../support/demo.js';
import { type Platform, startPlatform } from '../support/services.js';

type Json = Record<string, unknown>;

/**
 * The consult user story (issue 4, Done when), as the demo users live it against the real
 * services: the therapist sends a note and a PHQ-9 to the psychiatrist, who receives both live;
 * the psychiatrist posts a medication change, the therapist acknowledges it; the outsider can
 * neither join nor read; revoking the psychiatrist's consent cuts them off live.
 */
describe('the consult story, end to end', () => {
  let platform: Platform;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    platform = await startPlatform();
  });
  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await platform?.stop();
  });

  async function login(email: string): Promise<string> {
    const response = await demoLogin(platform.auth.url, email);
    expect(response.status).toBe(200);
    return ((await response.json()) as { accessToken: string }).accessToken;
  }

  async function api(
    token: string,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: Json }> {
    const response = await fetch(`${platform.gateway.url}/api${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Json };
  }

  async function connect(token: string): Promise<Socket> {
    const socket = io(`${platform.gateway.url}/consult`, { auth: { token }, reconnection: false, forceNew: true });
    sockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    return socket;
  }

  const next = <T = Json>(socket: Socket, event: string) =>
    new Promise<T>((resolve) => socket.once(event, (payload: T) => resolve(payload)));

  it('runs from the first note to the revocation', async () => {
    const [dana, sam, alex] = await Promise.all([
      login('therapist@demo.test'),
      login('psychiatrist@demo.test'),
      login('outsider@demo.test'),
    ]);
    const clients = (await api(dana, 'GET', '/clients')).body.clients as { clientId: string }[];
    const { clientId } = clients[0];
    const psychiatristId = (await api(sam, 'GET', '/me')).body.providerId as string;
    const thread = await api(dana, 'POST', '/threads', {
      clientId,
      subject: 'Sleep and mood',
      participantIds: [psychiatristId],
    });
    expect(thread.status).toBe(201);
    const threadId = thread.body.threadId as string;

    const therapist = await connect(dana);
    const psychiatrist = await connect(sam);
    expect(await psychiatrist.emitWithAck('thread.join', { threadId, afterSeq: 0 })).toMatchObject({ ok: true });

    // A note and a PHQ-9 with its items, received live, in order.
    const received: Json[] = [];
    psychiatrist.on('message.new', (payload: { message: Json }) => received.push(payload.message));
    const bothArrived = new Promise<void>((resolve) => {
      const check = () => (received.length >= 2 ? resolve() : psychiatrist.once('message.new', check));
      psychiatrist.once('message.new', check);
    });
    const note = await therapist.emitWithAck('message.send', {
      threadId,
      clientMessageId: randomUUID(),
      kind: 'note',
      category: 'general',
      body: { text: 'Sleeping five hours; mood low in the mornings.' },
    });
    const phq9 = await therapist.emitWithAck('message.send', {
      threadId,
      clientMessageId: randomUUID(),
      kind: 'symptom_update',
      category: 'symptoms',
      body: {
        measures: [
          { instrument: 'PHQ-9', items: [2, 2, 1, 2, 1, 1, 1, 0, 0], score: 10, observedAt: new Date().toISOString() },
        ],
      },
    });
    expect(note).toMatchObject({ ok: true, message: { seq: 2, kind: 'note' } });
    expect(phq9).toMatchObject({ ok: true, message: { seq: 3, kind: 'symptom_update' } });
    await bothArrived;
    expect(received.map((message) => message.messageId)).toEqual([
      (note as { message: Json }).message.messageId,
      (phq9 as { message: Json }).message.messageId,
    ]);

    // The psychiatrist changes the medication; the therapist acknowledges it, and the psychiatrist hears.
    const arriving = next<{ message: Json }>(therapist, 'message.new');
    const change = await psychiatrist.emitWithAck('message.send', {
      threadId,
      clientMessageId: randomUUID(),
      kind: 'medication_change',
      category: 'medications',
      body: {
        action: 'start',
        medication: { name: 'sertraline', rxnormCode: '36437' },
        dose: { value: 50, unit: 'mg' },
        frequency: 'once daily',
        effectiveDate: new Date().toISOString().slice(0, 10),
        reason: 'Moderate depression (PHQ-9 10), sleep disturbance',
      },
    });
    expect(change).toMatchObject({
      ok: true,
      message: { kind: 'medication_change', acknowledgeBy: expect.any(String) },
    });
    const changeId = (change as { message: Json }).message.messageId;
    expect((await arriving).message.messageId).toBe(changeId);
    const acknowledged = next(psychiatrist, 'receipt');
    expect(await therapist.emitWithAck('message.acknowledge', { messageId: changeId })).toMatchObject({ ok: true });
    expect(await acknowledged).toMatchObject({ kind: 'acknowledged', messageId: changeId });

    // The outsider can neither join nor read.
    const outsider = await connect(alex);
    expect(await outsider.emitWithAck('thread.join', { threadId, afterSeq: 0 })).toEqual({
      ok: false,
      error: { code: 'not_found', message: 'Not found' },
    });
    expect((await api(alex, 'GET', `/threads/${threadId}/messages`)).status).toBe(404);

    // Revoking the psychiatrist's consent cuts them off, live.
    const consents = (await api(dana, 'GET', `/clients/${clientId}/consents`)).body.consents as {
      consentId: string;
      status: string;
    }[];
    const active = consents.find((consent) => consent.status === 'active');
    const cutOff = next(psychiatrist, 'access.revoked');
    expect(
      (await api(dana, 'POST', `/consents/${active?.consentId}/revoke`, { reason: 'Client withdrew consent' })).status,
    ).toBe(200);
    expect(await cutOff).toMatchObject({ clientId, threadIds: expect.arrayContaining([threadId]) });
    expect(await psychiatrist.emitWithAck('thread.join', { threadId, afterSeq: 0 })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
  });
});
