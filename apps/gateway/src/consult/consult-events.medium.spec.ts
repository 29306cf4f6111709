import { randomUUID } from 'node:crypto';
import type { Socket as ClientSocket } from 'socket.io-client';
import { apiAs, type Json, type TestProvider, testProvider } from '../../../../test/support/api.js';
import { connectOutcome, startTestGateway, type TestGateway } from '../../../../test/support/gateway-app.js';

const org = randomUUID();
/** The default SOCKET_EVENT_BUDGET. */
const BUDGET = 60;
const therapist = testProvider('therapist', org, 'Dana Reyes', 'LCSW');
const psychiatrist = testProvider('psychiatrist', org, 'Sam Okafor', 'MD');
const outsider = testProvider('therapist', org, 'Alex Kim', 'LPC');

/** Resolves with the next `event` the socket receives; never waits on a timer. */
function next<T = Json>(socket: ClientSocket, event: string): Promise<T> {
  return new Promise((resolve) => socket.once(event, (payload: T) => resolve(payload)));
}

/**
 * The `/consult` events (DESIGN.md, Live events) with real socket.io clients: every answer is
 * `{ok: true, ...}` or `{ok: false, error}`, and what one provider does reaches the other live.
 */
describe('/consult events', () => {
  let gateway: TestGateway;
  let call: ReturnType<typeof apiAs>;
  let clientId: string;
  let consentId: string;
  let threadId: string;
  const sockets: ClientSocket[] = [];

  async function connect(provider: TestProvider): Promise<ClientSocket> {
    const socket = gateway.socket({ auth: { token: await gateway.issuer.mint({ claims: { ...provider } }) } });
    expect(await connectOutcome(socket)).toEqual({ connected: true });
    sockets.push(socket);
    return socket;
  }

  beforeAll(async () => {
    gateway = await startTestGateway();
    call = apiAs(gateway);
    await call(psychiatrist, 'GET', '/me');
    await call(outsider, 'GET', '/me');
    clientId = (await call(therapist, 'POST', '/clients', { displayName: 'Jordan Lee', dateOfBirth: '1990-04-12' }))
      .body.clientId;
    consentId = (
      await call(therapist, 'POST', `/clients/${clientId}/consents`, {
        recipientIds: [psychiatrist.sub],
        categories: ['general', 'medications'],
        purpose: 'treatment',
        expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
        attestation: { method: 'signature_on_file', signerName: 'Jordan Lee' },
      })
    ).body.consentId;
    threadId = (
      await call(therapist, 'POST', '/threads', { clientId, subject: 'Meds', participantIds: [psychiatrist.sub] })
    ).body.threadId;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await gateway?.stop();
  });

  it('thread.join answers the catch-up after afterSeq; message.send answers the stored message, which reaches the other side', async () => {
    const dana = await connect(therapist);
    const sam = await connect(psychiatrist);
    const joined = await sam.emitWithAck('thread.join', { threadId, afterSeq: 0 });
    expect(joined).toEqual({
      ok: true,
      messages: [expect.objectContaining({ seq: 1, kind: 'system' })],
      nextAfter: null,
      receipts: {
        positions: expect.arrayContaining([{ providerId: psychiatrist.sub, deliveredSeq: 1, readSeq: 0 }]),
        acknowledgements: [],
      },
    });

    const arriving = next(sam, 'message.new');
    const sent = await dana.emitWithAck('message.send', {
      threadId,
      clientMessageId: 'c-1',
      kind: 'note',
      category: 'general',
      body: { text: 'Client reports better sleep.' },
    });
    expect(sent).toEqual({
      ok: true,
      message: expect.objectContaining({ seq: 2, body: { text: 'Client reports better sleep.' } }),
    });
    expect(await arriving).toEqual({ message: sent.message });

    const caughtUp = await sam.emitWithAck('thread.join', { threadId, afterSeq: 1 });
    expect(caughtUp.messages).toEqual([sent.message]);

    const retried = await dana.emitWithAck('message.send', {
      threadId,
      clientMessageId: 'c-1',
      kind: 'note',
      category: 'general',
      body: { text: 'different' },
    });
    expect(retried).toEqual(sent);
  });

  it('message.read moves the reader’s position and sends the sender a read receipt', async () => {
    const dana = await connect(therapist);
    const sam = await connect(psychiatrist);
    const receipt = next(dana, 'receipt');
    expect(await sam.emitWithAck('message.read', { threadId, uptoSeq: 2 })).toEqual({ ok: true, threadId, readSeq: 2 });
    expect(await receipt).toEqual({ threadId, providerId: psychiatrist.sub, kind: 'read', uptoSeq: 2 });
  });

  it('thread.join tells a socket joining later the acknowledgements and positions it missed live', async () => {
    const own = (
      await call(therapist, 'POST', '/threads', { clientId, subject: 'Receipts', participantIds: [psychiatrist.sub] })
    ).body.threadId as string;
    const dana = await connect(therapist);
    const sam = await connect(psychiatrist);
    const change = await dana.emitWithAck('message.send', {
      threadId: own,
      clientMessageId: randomUUID(),
      kind: 'medication_change',
      category: 'medications',
      body: { action: 'start', medication: { name: 'sertraline' }, effectiveDate: '2026-12-01', reason: 'Low mood' },
    });
    const { messageId } = change.message as { messageId: string };
    const heard = next(dana, 'receipt');
    const acknowledged = await sam.emitWithAck('message.acknowledge', { messageId });
    expect(acknowledged).toEqual({ ok: true, messageId, acknowledgedAt: expect.any(String) });
    expect(await heard).toEqual({
      threadId: own,
      providerId: psychiatrist.sub,
      kind: 'acknowledged',
      messageId,
      acknowledgedAt: acknowledged.acknowledgedAt,
    });
    await sam.emitWithAck('message.read', { threadId: own, uptoSeq: 2 });

    // Dana's page is reloaded: a new socket, joining from the start.
    const reloaded = await connect(therapist);
    const joined = await reloaded.emitWithAck('thread.join', { threadId: own, afterSeq: 0 });
    expect(joined.receipts).toEqual({
      positions: expect.arrayContaining([{ providerId: psychiatrist.sub, deliveredSeq: 2, readSeq: 2 }]),
      acknowledgements: [{ messageId, providerId: psychiatrist.sub, acknowledgedAt: acknowledged.acknowledgedAt }],
    });
    // A catch-up after a reconnection, with nothing new, still says who acknowledged what it holds.
    const caughtUp = await reloaded.emitWithAck('thread.join', { threadId: own, afterSeq: 2 });
    expect(caughtUp.messages).toEqual([]);
    expect(caughtUp.receipts).toEqual(joined.receipts);
    const alex = await connect(outsider);
    expect(await alex.emitWithAck('thread.join', { threadId: own, afterSeq: 0 })).toEqual({
      ok: false,
      error: { code: 'not_found', message: expect.any(String) },
    });
  });

  it('typing reaches the other sockets joined to the thread', async () => {
    const dana = await connect(therapist);
    const sam = await connect(psychiatrist);
    await sam.emitWithAck('thread.join', { threadId, afterSeq: 99 });
    const typing = next(sam, 'typing');
    expect(await dana.emitWithAck('typing', { threadId })).toEqual({ ok: true });
    expect(await typing).toEqual({ threadId, providerId: therapist.sub });
    expect(await dana.emitWithAck('typing', { threadId })).toEqual({ ok: true, throttled: true });
  });

  it('tells a thread’s joined sockets who is viewing it, as people join, leave and disconnect', async () => {
    // A thread of its own: sockets of the other tests stay joined to the shared one.
    const own = (
      await call(therapist, 'POST', '/threads', { clientId, subject: 'Presence', participantIds: [psychiatrist.sub] })
    ).body.threadId as string;
    const dana = await connect(therapist);
    const sam = await connect(psychiatrist);
    await dana.emitWithAck('thread.join', { threadId: own, afterSeq: 99 });
    const joined = next(dana, 'presence');
    await sam.emitWithAck('thread.join', { threadId: own, afterSeq: 99 });
    expect(((await joined) as { providerIds: string[] }).providerIds.sort()).toEqual(
      [therapist.sub, psychiatrist.sub].sort(),
    );
    const left = next(dana, 'presence');
    sam.disconnect();
    expect(await left).toEqual({ threadId: own, providerIds: [therapist.sub] });
  });

  it('answers refusals through the acknowledgement with a code, and keeps serving', async () => {
    const dana = await connect(therapist);
    const stranger = await connect(outsider);
    expect(await stranger.emitWithAck('thread.join', { threadId, afterSeq: 0 })).toEqual({
      ok: false,
      error: { code: 'not_found', message: 'Not found' },
    });
    expect(await dana.emitWithAck('thread.join', { threadId: 'not-a-uuid' })).toMatchObject({
      ok: false,
      error: { code: 'invalid', details: [{ field: 'threadId', problems: ['isUuid'] }] },
    });
    expect(
      await dana.emitWithAck('message.send', JSON.parse(`{"threadId":"${threadId}","__proto__":{"admin":true}}`)),
    ).toMatchObject({ ok: false, error: { code: 'invalid' } });
    expect(
      await dana.emitWithAck('message.send', {
        threadId,
        clientMessageId: 'c-sym',
        kind: 'symptom_update',
        category: 'symptoms',
        body: { text: 'PHQ-9 went up' },
      }),
    ).toEqual({
      ok: false,
      error: { code: 'consent_required', message: expect.any(String), details: { providerIds: [psychiatrist.sub] } },
    });
    expect(await dana.emitWithAck('thread.join', { threadId, afterSeq: 0 })).toMatchObject({ ok: true });
  });

  it('answers rate_limited past the provider’s event budget, however many sockets they open', async () => {
    // The budget is per provider: a provider the other tests do not use, on two sockets.
    const busy = testProvider('care_manager', org, 'Busy Bee', 'RN');
    const [first, second] = [await connect(busy), await connect(busy)];
    const answers = await Promise.all(
      Array.from({ length: BUDGET + 5 }, (_, index) =>
        (index % 2 === 0 ? first : second).emitWithAck('thread.leave', { threadId }),
      ),
    );
    const limited = answers.filter((answer: Json) => answer.ok === false);
    expect(limited.length).toBeGreaterThanOrEqual(5);
    expect(limited[0]).toEqual({
      ok: false,
      error: { code: 'rate_limited', message: expect.any(String), details: { retryAfterSeconds: expect.any(Number) } },
    });
  });

  it('on revocation, tells the recipient’s sockets access.revoked and takes them out of the client’s thread rooms', async () => {
    const dana = await connect(therapist);
    const sam = await connect(psychiatrist);
    await sam.emitWithAck('thread.join', { threadId, afterSeq: 99 });
    const revoked = next(sam, 'access.revoked');
    expect((await call(therapist, 'POST', `/consents/${consentId}/revoke`, { reason: 'Client withdrew' })).status).toBe(
      200,
    );
    expect(await revoked).toEqual({ clientId, threadIds: expect.arrayContaining([threadId]) });
    expect(await sam.emitWithAck('thread.join', { threadId, afterSeq: 0 })).toEqual({
      ok: false,
      error: { code: 'not_found', message: 'Not found' },
    });
    // Typing no longer reaches the revoked socket: it left the room. The therapist's own second socket still hears it.
    const watcher = await connect(therapist);
    await watcher.emitWithAck('thread.join', { threadId, afterSeq: 99 });
    const samHeard: unknown[] = [];
    sam.on('typing', (payload) => samHeard.push(payload));
    const heard = next(watcher, 'typing');
    await dana.emitWithAck('typing', { threadId });
    expect(await heard).toEqual({ threadId, providerId: therapist.sub });
    expect(samHeard).toEqual([]);
  });
});
