import { randomUUID } from 'node:crypto';
import { FixedClock } from '@sharedcare/common';
import { REDISCLOSURE_NOTICE } from '@sharedcare/consent';
import { type ConsultEvent, ConsultEvents, ThreadsRepository } from '@sharedcare/consult';
import { apiAs, testProvider, openThread as openThreadAs, registerClient } from '../../../../test/support/api.js';
import { startTestGateway, type TestGateway } from '../../../../test/support/gateway-app.js';

const org = randomUUID();
const therapist = testProvider('therapist', org, 'Dana Reyes', 'LCSW');
const psychiatrist = testProvider('psychiatrist', org, 'Sam Okafor', 'MD');
const careManager = testProvider('care_manager', org, 'Ria Banerjee', 'RN');
const outsider = testProvider('therapist', org, 'Alex Kim', 'LPC');

const note = (text: string) => ({ clientMessageId: randomUUID(), kind: 'note', category: 'general', body: { text } });

describe('threads and messages over REST', () => {
  const clock = new FixedClock(new Date());
  let gateway: TestGateway;
  let call: ReturnType<typeof apiAs>;
  let events: ConsultEvent[];
  let clientId: string;

  beforeAll(async () => {
    gateway = await startTestGateway({ clock });
    call = apiAs(gateway, clock);
    events = [];
    gateway.app.get(ConsultEvents).subscribe((event) => events.push(event));
    for (const provider of [psychiatrist, careManager, outsider]) await call(provider, 'GET', '/me');
    clientId = await registerClient(call, therapist);
    const consent = await call(therapist, 'POST', `/clients/${clientId}/consents`, {
      recipientIds: [psychiatrist.sub],
      categories: ['general', 'symptoms', 'medications', 'safety_plan', 'substance_use'],
      purpose: 'treatment',
      expiresAt: new Date(clock.now().getTime() + 30 * 86_400_000).toISOString(),
      attestation: { method: 'signature_on_file', signerName: 'Jordan Lee' },
    });
    expect(consent.status).toBe(201);
    // The care manager may only hear general matters.
    await call(therapist, 'POST', `/clients/${clientId}/consents`, {
      recipientIds: [careManager.sub],
      categories: ['general'],
      purpose: 'care_coordination',
      expiresAt: new Date(clock.now().getTime() + 30 * 86_400_000).toISOString(),
      attestation: { method: 'verbal', signerName: 'Jordan Lee' },
    });
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  const openThread = (participants = [psychiatrist.sub]) =>
    openThreadAs(call, therapist, clientId, participants, 'Medication review');

  it('opens a thread among covered colleagues with a system message, and lists it for its participants only', async () => {
    const threadId = await openThread();
    const thread = await call(psychiatrist, 'GET', `/threads/${threadId}`);
    expect(thread.body).toMatchObject({
      threadId,
      clientId,
      subject: 'Medication review',
      participantIds: [therapist.sub, psychiatrist.sub].sort((a, b) => (a < b ? -1 : 1)).length
        ? expect.any(Array)
        : [],
      lastSeq: 1,
    });
    expect([...thread.body.participantIds].sort()).toEqual([therapist.sub, psychiatrist.sub].sort());
    const history = await call(psychiatrist, 'GET', `/threads/${threadId}/messages`);
    expect(history.body.messages).toEqual([
      expect.objectContaining({
        seq: 1,
        kind: 'system',
        body: { event: 'thread_opened', participantIds: expect.any(Array) },
      }),
    ]);
    expect(
      (await call(psychiatrist, 'GET', `/threads?clientId=${clientId}`)).body.threads.map(
        (t: { threadId: string }) => t.threadId,
      ),
    ).toContain(threadId);
    expect(await call(outsider, 'GET', `/threads/${threadId}`)).toEqual({
      status: 404,
      body: { error: { code: 'not_found', message: expect.any(String) } },
    });
    expect((await call(outsider, 'GET', `/threads?clientId=${clientId}`)).status).toBe(404);
  });

  it('knows a thread’s client however its id is spelled, and nothing of a thread that does not exist', async () => {
    const threadId = await openThread();
    const threads = gateway.app.get(ThreadsRepository);
    expect(await threads.clientOf(threadId.toUpperCase())).toBe(clientId);
    expect(await threads.clientOf(threadId)).toBe(clientId);
    expect(await threads.clientOf(randomUUID())).toBeNull();
    expect(await threads.clientOf('not-a-uuid')).toBeNull();
  });

  it('refuses a participant the consent does not cover, with consent_required naming them', async () => {
    const refused = await call(therapist, 'POST', '/threads', {
      clientId,
      subject: 'x',
      participantIds: [outsider.sub],
    });
    expect(refused).toEqual({
      status: 403,
      body: {
        error: { code: 'consent_required', message: expect.any(String), details: { providerIds: [outsider.sub] } },
      },
    });
  });

  it('stores a message before answering, fans it out after, and returns the original on a retry', async () => {
    const threadId = await openThread();
    events.length = 0;
    const message = note('Sleeping better since the dose change.');
    const sent = await call(therapist, 'POST', `/threads/${threadId}/messages`, message);
    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({
      seq: 2,
      kind: 'note',
      senderId: therapist.sub,
      body: { text: message.body.text },
    });
    expect(events).toEqual([
      {
        type: 'message.new',
        recipientIds: expect.arrayContaining([psychiatrist.sub, therapist.sub]),
        message: expect.objectContaining({ messageId: sent.body.messageId }),
      },
    ]);

    const retry = await call(therapist, 'POST', `/threads/${threadId}/messages`, {
      ...message,
      body: { text: 'changed' },
    });
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(sent.body);
    expect(events).toHaveLength(1);
    const history = await call(psychiatrist, 'GET', `/threads/${threadId}/messages?after=1`);
    expect(history.body).toEqual({ messages: [sent.body], nextAfter: null, receipts: expect.any(Object) });
  });

  it('numbers concurrent sends 1..n with no gap or duplicate, one row per clientMessageId', async () => {
    const threadId = await openThread();
    const sends = Array.from({ length: 12 }, (_, index) => ({
      ...note(`message ${index}`),
      clientMessageId: `cm-${index % 8}`,
    }));
    const results = await Promise.all(
      sends.map((body, index) =>
        call(index % 2 === 0 ? therapist : psychiatrist, 'POST', `/threads/${threadId}/messages`, body),
      ),
    );
    expect(results.every((result) => result.status === 201)).toBe(true);
    const history = await call(therapist, 'GET', `/threads/${threadId}/messages?limit=200`);
    const seqs = history.body.messages.map((message: { seq: number }) => message.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, index) => index + 1));
    const keys = history.body.messages
      .slice(1)
      .map((m: { senderId: string; clientMessageId: string }) => `${m.senderId}:${m.clientMessageId}`);
    expect(new Set(keys).size).toBe(keys.length);
    // Two senders, eight keys, the even-indexed and odd-indexed sends sharing keys within a sender.
    const distinct = new Set(sends.map((body, index) => `${index % 2}:${body.clientMessageId}`));
    expect(keys).toHaveLength(distinct.size);
  });

  it('pages history with nextAfter and refuses a bad page', async () => {
    const threadId = await openThread();
    for (let index = 0; index < 4; index++)
      await call(therapist, 'POST', `/threads/${threadId}/messages`, note(`m${index}`));
    const first = await call(psychiatrist, 'GET', `/threads/${threadId}/messages?after=0&limit=2`);
    expect(first.body.messages.map((m: { seq: number }) => m.seq)).toEqual([1, 2]);
    expect(first.body.nextAfter).toBe(2);
    const second = await call(psychiatrist, 'GET', `/threads/${threadId}/messages?after=2&limit=2`);
    expect(second.body.messages.map((m: { seq: number }) => m.seq)).toEqual([3, 4]);
    const last = await call(psychiatrist, 'GET', `/threads/${threadId}/messages?after=4&limit=2`);
    expect(last.body).toEqual({
      messages: [expect.objectContaining({ seq: 5 })],
      nextAfter: null,
      receipts: expect.any(Object),
    });
    expect((await call(psychiatrist, 'GET', `/threads/${threadId}/messages?after=-1`)).status).toBe(400);
    expect((await call(psychiatrist, 'GET', `/threads/${threadId}/messages?limit=500`)).status).toBe(400);
  });

  it('refuses with consent_required a category a participant is not covered for, and writes nothing', async () => {
    const threadId = await openThread([psychiatrist.sub, careManager.sub]);
    const symptoms = {
      clientMessageId: randomUUID(),
      kind: 'symptom_update',
      category: 'symptoms',
      body: { measures: [{ instrument: 'PHQ-9', score: 12, observedAt: clock.now().toISOString() }] },
    };
    const refused = await call(therapist, 'POST', `/threads/${threadId}/messages`, symptoms);
    expect(refused).toEqual({
      status: 403,
      body: {
        error: { code: 'consent_required', message: expect.any(String), details: { providerIds: [careManager.sub] } },
      },
    });
    expect((await call(therapist, 'GET', `/threads/${threadId}`)).body.lastSeq).toBe(1);
    // The care manager's own send in a category they are not covered for is not_found: they may not send it at all.
    expect((await call(careManager, 'POST', `/threads/${threadId}/messages`, symptoms)).status).toBe(404);
  });

  it('validates bodies per kind and refuses system messages from callers', async () => {
    const threadId = await openThread();
    const bad = await call(therapist, 'POST', `/threads/${threadId}/messages`, {
      clientMessageId: randomUUID(),
      kind: 'symptom_update',
      category: 'symptoms',
      body: {
        measures: [
          { instrument: 'PHQ-9', items: [3, 3, 3, 3, 3, 3, 3, 3, 3], score: 20, observedAt: clock.now().toISOString() },
        ],
      },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual([{ field: 'body.measures.0.score', problems: ['itemsSum'] }]);
    expect(
      (await call(therapist, 'POST', `/threads/${threadId}/messages`, { ...note('x'), kind: 'system' })).status,
    ).toBe(400);
    expect(
      (await call(therapist, 'POST', `/threads/${threadId}/messages`, { ...note('x'), authorId: outsider.sub })).status,
    ).toBe(400);
    expect((await call(therapist, 'GET', `/threads/${threadId}`)).body.lastSeq).toBe(1);
  });

  it('gives imminent risk priority, the 988 line and a one-hour acknowledgement; substance use carries its notice', async () => {
    const threadId = await openThread();
    const concern = await call(therapist, 'POST', `/threads/${threadId}/messages`, {
      clientMessageId: randomUUID(),
      kind: 'safety_concern',
      category: 'safety_plan',
      body: { riskLevel: 'imminent', summary: 'Stated a plan tonight', actionsTaken: 'Mobile crisis team called' },
    });
    expect(concern.body).toMatchObject({
      priority: true,
      crisisLine: { phone: '988' },
      acknowledgeBy: new Date(clock.now().getTime() + 3_600_000).toISOString(),
    });
    const disclosure = await call(therapist, 'POST', `/threads/${threadId}/messages`, {
      ...note('Relapsed on alcohol last week'),
      category: 'substance_use',
    });
    expect(disclosure.body.redisclosureNotice).toBe(REDISCLOSURE_NOTICE);
  });

  it('keeps read positions and unread counts true, and tells the sender', async () => {
    const threadId = await openThread();
    for (let index = 0; index < 3; index++)
      await call(therapist, 'POST', `/threads/${threadId}/messages`, note(`m${index}`));
    const unread = async () =>
      (await call(psychiatrist, 'GET', `/threads?clientId=${clientId}`)).body.threads.find(
        (thread: { threadId: string }) => thread.threadId === threadId,
      ).unread;
    expect(await unread()).toBe(4);
    events.length = 0;
    expect((await call(psychiatrist, 'POST', `/threads/${threadId}/read`, { uptoSeq: 3 })).body).toEqual({
      threadId,
      readSeq: 3,
    });
    expect(await unread()).toBe(1);
    expect(events).toEqual([
      {
        type: 'receipt',
        recipientIds: [therapist.sub],
        receipt: { threadId, providerId: psychiatrist.sub, kind: 'read', uptoSeq: 3 },
      },
    ]);
    // Never backwards, never past the last message.
    expect((await call(psychiatrist, 'POST', `/threads/${threadId}/read`, { uptoSeq: 1 })).body.readSeq).toBe(3);
    expect((await call(psychiatrist, 'POST', `/threads/${threadId}/read`, { uptoSeq: 99 })).body.readSeq).toBe(4);
    expect(await unread()).toBe(0);
  });

  it('surfaces an unacknowledged medication change as overdue to both sides until it is acknowledged', async () => {
    const threadId = await openThread();
    const change = await call(psychiatrist, 'POST', `/threads/${threadId}/messages`, {
      clientMessageId: randomUUID(),
      kind: 'medication_change',
      category: 'medications',
      body: {
        action: 'increase',
        medication: { name: 'sertraline' },
        dose: { value: 100, unit: 'mg' },
        effectiveDate: '2026-12-01',
        reason: 'Partial response at 50 mg',
      },
    });
    expect(change.status).toBe(201);
    const { messageId } = change.body;
    expect((await call(therapist, 'GET', '/acknowledgements/overdue')).body.owedByMe).toEqual([]);
    clock.advance(24 * 3_600_000);
    expect((await call(therapist, 'GET', '/acknowledgements/overdue')).body.owedByMe).toEqual([
      expect.objectContaining({ messageId, providerId: therapist.sub, senderId: psychiatrist.sub }),
    ]);
    expect((await call(psychiatrist, 'GET', '/acknowledgements/overdue')).body.owedToMe).toEqual([
      expect.objectContaining({ messageId, providerId: therapist.sub }),
    ]);
    expect((await call(psychiatrist, 'POST', `/messages/${messageId}/acknowledge`)).status).toBe(400);
    const acknowledged = await call(therapist, 'POST', `/messages/${messageId}/acknowledge`);
    expect(acknowledged.body).toEqual({ messageId, acknowledgedAt: clock.now().toISOString() });
    expect((await call(therapist, 'GET', '/acknowledgements/overdue')).body.owedByMe).toEqual([]);
    expect((await call(psychiatrist, 'GET', '/acknowledgements/overdue')).body.owedToMe).toEqual([]);
    expect((await call(outsider, 'POST', `/messages/${messageId}/acknowledge`)).status).toBe(404);
  });

  it('gives a reader who reloads or catches up the positions and every acknowledgement up to its page, and an outsider nothing', async () => {
    const threadId = await openThread();
    const medicationChange = (name: string) => ({
      clientMessageId: randomUUID(),
      kind: 'medication_change',
      category: 'medications',
      body: { action: 'start', medication: { name }, effectiveDate: '2026-12-01', reason: 'Low mood' },
    });
    const first = (await call(psychiatrist, 'POST', `/threads/${threadId}/messages`, medicationChange('sertraline')))
      .body;
    const second = (await call(psychiatrist, 'POST', `/threads/${threadId}/messages`, medicationChange('bupropion')))
      .body;
    const acknowledged = await call(therapist, 'POST', `/messages/${first.messageId}/acknowledge`);
    expect(acknowledged.status).toBe(200);
    await call(therapist, 'POST', `/threads/${threadId}/read`, { uptoSeq: 3 });

    const acknowledgement = {
      messageId: first.messageId,
      providerId: therapist.sub,
      acknowledgedAt: acknowledged.body.acknowledgedAt,
    };
    for (const reader of [therapist, psychiatrist]) {
      const history = await call(reader, 'GET', `/threads/${threadId}/messages`);
      expect(history.body.receipts.acknowledgements).toEqual([acknowledgement]);
      expect(history.body.receipts.positions).toContainEqual({
        providerId: therapist.sub,
        deliveredSeq: 3,
        readSeq: 3,
      });
    }
    // The psychiatrist's own read just now delivered everything to them; nobody else is in the thread.
    const positions = (await call(psychiatrist, 'GET', `/threads/${threadId}/messages`)).body.receipts.positions;
    expect(positions.map((position: { providerId: string }) => position.providerId).sort()).toEqual(
      [therapist.sub, psychiatrist.sub].sort(),
    );
    // Catching up after a reconnection: a page without the acknowledged message still carries its
    // acknowledgement (the reader may have missed it live), but none of a message after the page.
    const later = await call(therapist, 'GET', `/threads/${threadId}/messages?after=2`);
    expect(later.body.messages.map((message: { messageId: string }) => message.messageId)).toEqual([second.messageId]);
    expect(later.body.receipts.acknowledgements).toEqual([acknowledgement]);
    expect((await call(therapist, 'POST', `/messages/${second.messageId}/acknowledge`)).status).toBe(200);
    const upToFirst = await call(psychiatrist, 'GET', `/threads/${threadId}/messages?after=0&limit=2`);
    expect(upToFirst.body.messages.map((message: { messageId: string }) => message.messageId)).toEqual([
      expect.any(String),
      first.messageId,
    ]);
    expect(upToFirst.body.receipts.acknowledgements).toEqual([acknowledgement]);
    // A page that is not the last carries only its own messages' acknowledgements.
    const middle = await call(psychiatrist, 'GET', `/threads/${threadId}/messages?after=2&limit=1`);
    expect(middle.body.nextAfter).toBe(3);
    expect(middle.body.receipts.acknowledgements).toEqual([
      expect.objectContaining({ messageId: second.messageId, providerId: therapist.sub }),
    ]);

    expect(await call(outsider, 'GET', `/threads/${threadId}/messages`)).toEqual({
      status: 404,
      body: { error: { code: 'not_found', message: expect.any(String) } },
    });
  });

  it('cuts a revoked recipient off the thread at once', async () => {
    const threadId = await openThread([psychiatrist.sub, careManager.sub]);
    const consents = (await call(therapist, 'GET', `/clients/${clientId}/consents`)).body.consents;
    const careManagers = consents.find((consent: { recipientIds: string[] }) =>
      consent.recipientIds.includes(careManager.sub),
    );
    await call(therapist, 'POST', `/consents/${careManagers.consentId}/revoke`, { reason: 'Client asked' });
    expect((await call(careManager, 'GET', `/threads/${threadId}/messages`)).status).toBe(404);
    expect((await call(careManager, 'POST', `/threads/${threadId}/messages`, note('x'))).status).toBe(404);
    // And nobody can send into the thread while it holds someone the consent no longer covers.
    expect((await call(therapist, 'POST', `/threads/${threadId}/messages`, note('x'))).status).toBe(403);
  });
});
