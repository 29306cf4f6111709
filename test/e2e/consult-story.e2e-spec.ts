import { randomUUID } from 'node:crypto';
import {
  ApiError,
  type ApiClient,
  apiClient,
  authClient,
  type ConsultSocket,
  connectConsult,
  type Message,
  request,
  type ServerEvents,
} from '@sharedcare/client';
import { DEMO_PASSWORD } from '../support/demo.js';
import { type Platform, startPlatform } from '../support/services.js';

/**
 * The consult user story (issue 4, Done when), as the demo users live it against the real
 * services: the therapist sends a note and a PHQ-9 to the psychiatrist, who receives both live;
 * the psychiatrist posts a medication change, the therapist acknowledges it; the outsider can
 * neither join nor read; revoking the psychiatrist's consent cuts them off live.
 */
describe('the consult story, end to end', () => {
  let platform: Platform;
  const sockets: ConsultSocket[] = [];
  const tokens = new Map<string, string>();

  beforeAll(async () => {
    platform = await startPlatform();
  });
  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await platform?.stop();
  });

  async function login(email: string): Promise<ApiClient> {
    const answer = await authClient({ baseUrl: platform.auth.url }).login(email, DEMO_PASSWORD);
    if (!('accessToken' in answer)) throw new Error(`${email} asks for MFA`);
    tokens.set(email, answer.accessToken);
    return apiClient({ baseUrl: platform.gateway.url, token: () => answer.accessToken });
  }

  async function connect(email: string): Promise<ConsultSocket> {
    const socket = connectConsult(platform.gateway.url, { token: () => tokens.get(email), reconnection: false });
    sockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    return socket;
  }

  const next = <E extends keyof ServerEvents>(socket: ConsultSocket, event: E) =>
    new Promise<Parameters<ServerEvents[E]>[0]>((resolve) =>
      socket.once(event, ((payload: Parameters<ServerEvents[E]>[0]) => resolve(payload)) as never),
    );

  it('runs from the first note to the revocation', async () => {
    const [dana, sam, alex] = await Promise.all([
      login('therapist@demo.test'),
      login('psychiatrist@demo.test'),
      login('outsider@demo.test'),
    ]);
    const { clientId } = (await dana.clients()).clients[0];
    const psychiatristId = (await sam.me()).providerId;
    const { threadId } = await dana.createThread({
      clientId,
      subject: 'Sleep and mood',
      participantIds: [psychiatristId],
    });

    const therapist = await connect('therapist@demo.test');
    const psychiatrist = await connect('psychiatrist@demo.test');
    await request(psychiatrist, 'thread.join', { threadId, afterSeq: 0 });

    // A note and a PHQ-9 with its items, received live, in order.
    const received: Message[] = [];
    psychiatrist.on('message.new', ({ message }) => received.push(message));
    const bothArrived = new Promise<void>((resolve) => {
      const check = () => (received.length >= 2 ? resolve() : psychiatrist.once('message.new', check));
      psychiatrist.once('message.new', check);
    });
    const note = await request(therapist, 'message.send', {
      threadId,
      clientMessageId: randomUUID(),
      kind: 'note',
      category: 'general',
      body: { text: 'Sleeping five hours; mood low in the mornings.' },
    });
    const phq9 = await request(therapist, 'message.send', {
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
    expect(note.message).toMatchObject({ seq: 2, kind: 'note' });
    expect(phq9.message).toMatchObject({ seq: 3, kind: 'symptom_update' });
    await bothArrived;
    expect(received.map((message) => message.messageId)).toEqual([note.message.messageId, phq9.message.messageId]);

    // The psychiatrist changes the medication; the therapist acknowledges it, and the psychiatrist hears.
    const arriving = next(therapist, 'message.new');
    const change = await request(psychiatrist, 'message.send', {
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
    expect(change.message).toMatchObject({ kind: 'medication_change', acknowledgeBy: expect.any(String) });
    const changeId = change.message.messageId;
    expect((await arriving).message.messageId).toBe(changeId);
    const acknowledged = next(psychiatrist, 'receipt');
    await request(therapist, 'message.acknowledge', { messageId: changeId });
    expect(await acknowledged).toMatchObject({ kind: 'acknowledged', messageId: changeId });

    // The outsider can neither join nor read.
    const outsider = await connect('outsider@demo.test');
    await expect(request(outsider, 'thread.join', { threadId, afterSeq: 0 })).rejects.toMatchObject({
      code: 'not_found',
      message: 'Not found',
    });
    await expect(alex.messages(threadId)).rejects.toEqual(new ApiError(404, 'not_found', 'Not found'));

    // Revoking the psychiatrist's consent cuts them off, live.
    const active = (await dana.consents(clientId)).consents.find((consent) => consent.status === 'active');
    const cutOff = next(psychiatrist, 'access.revoked');
    await dana.revokeConsent(active!.consentId, 'Client withdrew consent');
    expect(await cutOff).toMatchObject({ clientId, threadIds: expect.arrayContaining([threadId]) });
    await expect(request(psychiatrist, 'thread.join', { threadId, afterSeq: 0 })).rejects.toMatchObject({
      code: 'not_found',
    });
  });
});
