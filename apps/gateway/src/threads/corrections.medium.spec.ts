import { randomUUID } from 'node:crypto';
import { AuditService } from '@sharedcare/audit';
import { FixedClock } from '@sharedcare/common';
import { type ConsultEvent, ConsultEvents } from '@sharedcare/consult';
import {
  apiAs,
  type Json,
  testProvider,
  openThread as openThreadAs,
  registerClient,
} from '../../../../test/support/api.js';
import { startTestGateway, type TestGateway } from '../../../../test/support/gateway-app.js';

const org = randomUUID();
const therapist = testProvider('therapist', org, 'Dana Reyes', 'LCSW');
const psychiatrist = testProvider('psychiatrist', org, 'Sam Okafor', 'MD');
const careManager = testProvider('care_manager', org, 'Ria Banerjee', 'RN');
const outsider = testProvider('therapist', org, 'Alex Kim', 'LPC');

const DAY = 86_400_000;
const note = (text: string) => ({ clientMessageId: randomUUID(), kind: 'note', category: 'general', body: { text } });

describe('amending a message and marking it entered in error, over REST', () => {
  const clock = new FixedClock(new Date());
  let gateway: TestGateway;
  let call: ReturnType<typeof apiAs>;
  let events: ConsultEvent[];
  let clientId: string;

  /** Rows that corrections must only ever add to, never remove. */
  const counts = async () =>
    (
      await gateway.db.dataSource.query(
        `SELECT (SELECT count(*)::int FROM messages) AS messages,
           (SELECT count(*)::int FROM messages WHERE state = 'current') AS current,
           (SELECT count(*)::int FROM threads) AS threads`,
      )
    )[0] as { messages: number; current: number; threads: number };
  const row = async (messageId: string) =>
    (
      await gateway.db.dataSource.query(
        `SELECT state, state_changed_at, state_changed_by, body_sealed FROM messages WHERE id = $1`,
        [messageId],
      )
    )[0];

  beforeAll(async () => {
    gateway = await startTestGateway({ clock });
    call = apiAs(gateway, clock);
    events = [];
    gateway.app.get(ConsultEvents).subscribe((event) => events.push(event));
    for (const provider of [psychiatrist, careManager, outsider]) await call(provider, 'GET', '/me');
    clientId = await registerClient(call, therapist);
    for (const [recipient, categories] of [
      [psychiatrist, ['general', 'symptoms', 'medications', 'safety_plan']],
      [careManager, ['general']],
    ] as const) {
      const granted = await call(therapist, 'POST', `/clients/${clientId}/consents`, {
        recipientIds: [recipient.sub],
        categories,
        purpose: 'treatment',
        expiresAt: new Date(clock.now().getTime() + 30 * DAY).toISOString(),
        attestation: { method: 'signature_on_file', signerName: 'Jordan Lee' },
      });
      expect(granted.status).toBe(201);
    }
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  const openThread = (participants = [psychiatrist.sub]) =>
    openThreadAs(call, therapist, clientId, participants, 'Follow-up');

  async function post(threadId: string, body: Json = note('Sleeping poorly since Tuesday.'), provider = therapist) {
    const sent = await call(provider, 'POST', `/threads/${threadId}/messages`, body);
    expect(sent.status).toBe(201);
    return sent.body as Json;
  }

  const amend = (provider: typeof therapist, messageId: string, body: unknown) =>
    call(provider, 'POST', `/messages/${messageId}/amend`, body);
  const amendment = (text: string, reason?: string) => ({
    clientMessageId: randomUUID(),
    body: { text },
    ...(reason === undefined ? {} : { reason }),
  });
  const history = async (threadId: string, provider = therapist) =>
    (await call(provider, 'GET', `/threads/${threadId}/messages?limit=200`)).body.messages as Json[];

  /** A refusal changes nothing: same rows, same states, same thread position. */
  async function expectRefused(attempt: () => Promise<{ status: number; body: Json }>, status: number, code: string) {
    const before = await counts();
    const beforeHistory = await gateway.db.dataSource.query(
      `SELECT id, state, state_changed_at, state_changed_by FROM messages ORDER BY id`,
    );
    const refused = await attempt();
    expect({ status: refused.status, code: refused.body.error?.code }).toEqual({ status, code });
    expect(await counts()).toEqual(before);
    expect(
      await gateway.db.dataSource.query(
        `SELECT id, state, state_changed_at, state_changed_by FROM messages ORDER BY id`,
      ),
    ).toEqual(beforeHistory);
    return refused;
  }

  it('lets the sender amend: a new message linked to the original, which is kept and marked with who and when', async () => {
    const threadId = await openThread();
    const original = await post(threadId);
    const before = await counts();
    clock.advance(5 * 60_000);
    events.length = 0;
    const amended = await amend(therapist, original.messageId, amendment('Sleeping poorly since Monday.', 'Wrong day'));
    expect(amended.status).toBe(201);
    expect(amended.body.amendment).toMatchObject({
      threadId,
      seq: 3,
      kind: 'note',
      category: 'general',
      senderId: therapist.sub,
      body: { text: 'Sleeping poorly since Monday.' },
      amendsMessageId: original.messageId,
      amendmentReason: 'Wrong day',
      state: 'current',
      createdAt: clock.now().toISOString(),
    });
    expect(amended.body.original).toEqual({
      ...original,
      state: 'amended',
      stateChangedAt: clock.now().toISOString(),
      stateChangedBy: therapist.sub,
    });
    expect(events).toEqual([
      {
        type: 'message.new',
        recipientIds: expect.arrayContaining([therapist.sub, psychiatrist.sub]),
        message: expect.objectContaining({ messageId: amended.body.amendment.messageId }),
      },
    ]);
    // History keeps both: the original (body intact) marked amended, the amendment linked to it.
    expect(await history(threadId, psychiatrist)).toEqual([
      expect.objectContaining({ seq: 1, kind: 'system' }),
      amended.body.original,
      amended.body.amendment,
    ]);
    expect(await counts()).toEqual({ ...before, messages: before.messages + 1 });
    // Sealed like every body: the database holds neither the text nor the reason.
    const sealed = (await row(amended.body.amendment.messageId)).body_sealed as string;
    expect(sealed).not.toContain('Monday');
    expect(sealed).not.toContain('Wrong day');
    await gateway.app.get(AuditService).linkPending();
    const [audit] = await gateway.db.dataSource.query(
      `SELECT actor_id, resource_id, category, outcome, details FROM audit_records WHERE action = 'message.amend'`,
    );
    expect(audit).toEqual({
      actor_id: therapist.sub,
      resource_id: original.messageId,
      category: 'general',
      outcome: 'success',
      details: { threadId, amendmentId: amended.body.amendment.messageId, seq: 3 },
    });
    // An amendment is a message like any other: its sender may amend it in turn.
    const again = await amend(therapist, amended.body.amendment.messageId, amendment('Since Monday night.'));
    expect(again.status).toBe(201);
    expect(again.body.amendment.amendsMessageId).toBe(amended.body.amendment.messageId);
    expect(again.body.amendment.amendmentReason).toBeUndefined();
  });

  it('refuses anyone but the sender, and a second amendment of the same original, changing nothing', async () => {
    const threadId = await openThread([psychiatrist.sub, careManager.sub]);
    const original = await post(threadId);
    const byOther = await expectRefused(() => amend(psychiatrist, original.messageId, amendment('x')), 400, 'invalid');
    expect(byOther.body.error.message).not.toContain('Sleeping');
    await expectRefused(() => amend(careManager, original.messageId, amendment('x')), 400, 'invalid');
    await expectRefused(() => amend(outsider, original.messageId, amendment('x')), 404, 'not_found');
    await expectRefused(() => amend(therapist, randomUUID(), amendment('x')), 404, 'not_found');
    await expectRefused(() => amend(therapist, 'not-a-message', amendment('x')), 400, 'invalid');
    expect((await amend(therapist, original.messageId, amendment('first fix'))).status).toBe(201);
    await expectRefused(() => amend(therapist, original.messageId, amendment('second fix')), 409, 'conflict');
    const [system] = await history(threadId);
    await expectRefused(() => amend(therapist, system.messageId, amendment('x')), 400, 'invalid');
  });

  it('validates the new body against the original’s kind, and refuses fields it does not know', async () => {
    const threadId = await openThread();
    const change = await post(threadId, {
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
    const refused = await expectRefused(
      () => amend(therapist, change.messageId, { clientMessageId: randomUUID(), body: { text: 'a note now' } }),
      400,
      'invalid',
    );
    expect(refused.body.error.details).toEqual(
      expect.arrayContaining([{ field: 'body.text', problems: ['whitelistValidation'] }]),
    );
    await expectRefused(
      () => amend(therapist, change.messageId, { ...amendment('x'), kind: 'note', category: 'general' }),
      400,
      'invalid',
    );
    await expectRefused(
      () => call(therapist, 'POST', `/messages/${change.messageId}/amend`, { clientMessageId: randomUUID() }),
      400,
      'invalid',
    );
    const fixed = await amend(therapist, change.messageId, {
      clientMessageId: randomUUID(),
      body: {
        action: 'increase',
        medication: { name: 'sertraline' },
        dose: { value: 75, unit: 'mg' },
        effectiveDate: '2026-12-01',
        reason: 'Partial response at 50 mg',
      },
    });
    expect(fixed.status).toBe(201);
    expect(fixed.body.amendment).toMatchObject({
      kind: 'medication_change',
      category: 'medications',
      body: { dose: { value: 75, unit: 'mg' } },
      acknowledgeBy: new Date(clock.now().getTime() + DAY).toISOString(),
    });
    // Only the amendment is owed an acknowledgement now.
    clock.advance(DAY);
    const owed = (await call(psychiatrist, 'GET', '/acknowledgements/overdue')).body.owedByMe as Json[];
    const ids = owed.map((entry) => entry.messageId);
    expect(ids).toContain(fixed.body.amendment.messageId);
    expect(ids).not.toContain(change.messageId);
  });

  it('lets exactly one of two concurrent amendments through', async () => {
    const threadId = await openThread();
    for (let round = 0; round < 4; round++) {
      const original = await post(threadId);
      const before = await counts();
      const results = await Promise.all([
        amend(therapist, original.messageId, amendment('fix A')),
        amend(therapist, original.messageId, amendment('fix B')),
      ]);
      expect(results.map((result) => result.status).sort()).toEqual([201, 409]);
      const winner = results.find((result) => result.status === 201) as { body: Json };
      expect(await counts()).toEqual({ ...before, messages: before.messages + 1 });
      const amendments = (await history(threadId)).filter((m) => m.amendsMessageId === original.messageId);
      expect(amendments).toEqual([winner.body.amendment]);
      expect((await row(original.messageId)).state).toBe('amended');
    }
    const seqs = (await history(threadId)).map((m) => m.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, index) => index + 1));
  });

  it('returns the same amendment on a retry with the same clientMessageId, even concurrently', async () => {
    const threadId = await openThread();
    const original = await post(threadId);
    const request = amendment('Sleeping poorly since Monday.');
    const before = await counts();
    const [first, second] = await Promise.all([
      amend(therapist, original.messageId, request),
      amend(therapist, original.messageId, request),
    ]);
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(second.body).toEqual(first.body);
    events.length = 0;
    const later = await amend(therapist, original.messageId, { ...request, body: { text: 'something else' } });
    expect(later).toEqual({ status: 201, body: first.body });
    expect(events).toEqual([]);
    expect(await counts()).toEqual({ ...before, messages: before.messages + 1 });
    // A key the sender already used for another message is not a retry of this amendment.
    const other = await post(threadId);
    await expectRefused(() => amend(therapist, other.messageId, { ...request, body: { text: 'x' } }), 409, 'conflict');
  });

  it('marks a message entered in error, keeping it readable, with a notice saying who, when and why', async () => {
    const threadId = await openThread([psychiatrist.sub, careManager.sub]);
    const original = await post(threadId, note('Discussed the wrong client’s labs.'));
    const before = await counts();
    clock.advance(60_000);
    events.length = 0;
    const marked = await call(therapist, 'POST', `/messages/${original.messageId}/entered-in-error`, {
      reason: 'Wrong client',
    });
    expect(marked.status).toBe(200);
    expect(marked.body.original).toEqual({
      ...original,
      state: 'entered_in_error',
      stateChangedAt: clock.now().toISOString(),
      stateChangedBy: therapist.sub,
    });
    expect(marked.body.notice).toMatchObject({
      kind: 'system',
      category: 'general',
      senderId: therapist.sub,
      seq: original.seq + 1,
      body: { event: 'entered_in_error', messageId: original.messageId, reason: 'Wrong client' },
    });
    expect(events).toEqual([
      {
        type: 'message.new',
        recipientIds: expect.arrayContaining([therapist.sub, psychiatrist.sub, careManager.sub]),
        message: expect.objectContaining({ messageId: marked.body.notice.messageId, body: marked.body.notice.body }),
      },
    ]);
    const seen = await history(threadId, careManager);
    expect(seen.find((m) => m.messageId === original.messageId)).toEqual(marked.body.original);
    expect(seen.at(-1)).toEqual(marked.body.notice);
    expect(await counts()).toEqual({ ...before, messages: before.messages + 1, current: before.current });
    await gateway.app.get(AuditService).linkPending();
    const [audit] = await gateway.db.dataSource.query(
      `SELECT resource_id, outcome, details FROM audit_records WHERE action = 'message.entered_in_error'`,
    );
    expect(audit).toEqual({
      resource_id: original.messageId,
      outcome: 'success',
      details: { threadId, noticeId: marked.body.notice.messageId, seq: marked.body.notice.seq },
    });
    expect(JSON.stringify(audit)).not.toContain('Wrong client');

    // Once marked, neither correction applies again; nor does an amended message take one.
    const again = () =>
      call(therapist, 'POST', `/messages/${original.messageId}/entered-in-error`, { reason: 'again' });
    await expectRefused(again, 409, 'conflict');
    await expectRefused(() => amend(therapist, original.messageId, amendment('x')), 409, 'conflict');
    const other = await post(threadId);
    expect((await amend(therapist, other.messageId, amendment('fixed'))).status).toBe(201);
    await expectRefused(
      () => call(therapist, 'POST', `/messages/${other.messageId}/entered-in-error`, { reason: 'x' }),
      409,
      'conflict',
    );
  });

  it('refuses entered-in-error from anyone but the sender, without a reason, or on a system message', async () => {
    const threadId = await openThread([psychiatrist.sub, careManager.sub]);
    const original = await post(threadId);
    const mark = (provider: typeof therapist, messageId: string, body: unknown) =>
      call(provider, 'POST', `/messages/${messageId}/entered-in-error`, body);
    await expectRefused(() => mark(psychiatrist, original.messageId, { reason: 'x' }), 400, 'invalid');
    await expectRefused(() => mark(careManager, original.messageId, { reason: 'x' }), 400, 'invalid');
    await expectRefused(() => mark(outsider, original.messageId, { reason: 'x' }), 404, 'not_found');
    await expectRefused(() => mark(therapist, original.messageId, {}), 400, 'invalid');
    await expectRefused(() => mark(therapist, original.messageId, { reason: '   ' }), 400, 'invalid');
    await expectRefused(() => mark(therapist, original.messageId, { reason: 'x', state: 'current' }), 400, 'invalid');
    const [system] = await history(threadId);
    await expectRefused(() => mark(therapist, system.messageId, { reason: 'x' }), 400, 'invalid');
  });

  it('lets exactly one of two concurrent entered-in-error marks through', async () => {
    const threadId = await openThread();
    const original = await post(threadId);
    const before = await counts();
    const results = await Promise.all([
      call(therapist, 'POST', `/messages/${original.messageId}/entered-in-error`, { reason: 'one' }),
      call(therapist, 'POST', `/messages/${original.messageId}/entered-in-error`, { reason: 'two' }),
      amend(therapist, original.messageId, amendment('three')),
    ]);
    expect(results.map((result) => result.status).filter((status) => status < 300)).toHaveLength(1);
    expect(results.map((result) => result.status).filter((status) => status === 409)).toHaveLength(2);
    expect(await counts()).toEqual({ ...before, messages: before.messages + 1 });
  });

  it('refuses with consent_required an amendment a participant is no longer covered for, changing nothing', async () => {
    const threadId = await openThread([psychiatrist.sub, careManager.sub]);
    const original = await post(threadId);
    const consents = (await call(therapist, 'GET', `/clients/${clientId}/consents`)).body.consents as Json[];
    const careManagers = consents.find((c) => c.recipientIds.includes(careManager.sub) && !c.revokedAt);
    expect(
      (await call(therapist, 'POST', `/consents/${careManagers?.consentId}/revoke`, { reason: 'Client asked' })).status,
    ).toBe(200);
    const refused = await expectRefused(
      () => amend(therapist, original.messageId, amendment('x')),
      403,
      'consent_required',
    );
    expect(refused.body.error.details).toEqual({ providerIds: [careManager.sub] });
    // Marking it entered in error stays possible; the uncovered participant is not told live.
    events.length = 0;
    const marked = await call(therapist, 'POST', `/messages/${original.messageId}/entered-in-error`, {
      reason: 'Sent before the consent ended',
    });
    expect(marked.status).toBe(200);
    expect(events).toHaveLength(1);
    expect(events[0].recipientIds).not.toContain(careManager.sub);
    expect(
      (await call(careManager, 'POST', `/messages/${original.messageId}/entered-in-error`, { reason: 'x' })).status,
    ).toBe(404);
  });

  it('shows a notice about a message, and its reason, only to readers covered for that message’s category', async () => {
    const threadId = await openThread();
    const original = await post(threadId, {
      clientMessageId: randomUUID(),
      kind: 'symptom_update',
      category: 'symptoms',
      body: { text: 'Panic attacks twice this week' },
    });
    const marked = await call(therapist, 'POST', `/messages/${original.messageId}/entered-in-error`, {
      reason: 'Those were the client’s sister’s symptoms',
    });
    expect(marked.body.notice.category).toBe('symptoms');
    const consents = (await call(therapist, 'GET', `/clients/${clientId}/consents`)).body.consents as Json[];
    const psychiatrists = consents.find((c) => c.recipientIds.includes(psychiatrist.sub) && !c.revokedAt);
    await call(therapist, 'POST', `/consents/${psychiatrists?.consentId}/revoke`, { reason: 'Narrowed' });
    const narrowed = await call(therapist, 'POST', `/clients/${clientId}/consents`, {
      recipientIds: [psychiatrist.sub],
      categories: ['general'],
      purpose: 'treatment',
      expiresAt: new Date(clock.now().getTime() + 30 * DAY).toISOString(),
      attestation: { method: 'signature_on_file', signerName: 'Jordan Lee' },
    });
    expect(narrowed.status).toBe(201);
    const seen = await history(threadId, psychiatrist);
    expect(seen.map((m) => [m.kind, m.state, m.body === null ? 'withheld' : 'shown'])).toEqual([
      ['system', 'current', 'shown'],
      ['symptom_update', 'entered_in_error', 'withheld'],
      ['system', 'current', 'withheld'],
    ]);
    expect((await history(threadId, therapist)).at(-1)?.body.reason).toBe('Those were the client’s sister’s symptoms');
  });
});
