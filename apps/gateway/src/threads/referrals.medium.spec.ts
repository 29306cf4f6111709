import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
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

const opening = (category = 'general') => ({
  clientMessageId: randomUUID(),
  kind: 'referral',
  category,
  body: {
    direction: 'to_psychiatry',
    reasons: ['severe_or_persistent_symptoms', 'client_requests_medication'],
    urgency: 'soon',
    notes: 'PHQ-9 has stayed above 15 for six weeks.',
  },
});

const followUp = (referralMessageId: string, status: string, reason?: string) => ({
  clientMessageId: randomUUID(),
  kind: 'referral',
  category: 'general',
  body: { referralMessageId, status, ...(reason === undefined ? {} : { reason }) },
});

describe('referrals over REST', () => {
  const clock = new FixedClock(new Date());
  let gateway: TestGateway;
  let call: ReturnType<typeof apiAs>;
  let events: ConsultEvent[];
  let clientId: string;

  const count = async (sql: string, params: unknown[] = []): Promise<number> =>
    Number((await gateway.db.dataSource.query(sql, params))[0].n);
  const referralRow = async (messageId: string) =>
    (
      await gateway.db.dataSource.query(`SELECT status, updated_at, updated_by FROM referrals WHERE message_id = $1`, [
        messageId,
      ])
    )[0] as { status: string; updated_at: Date; updated_by: string } | undefined;

  async function consent(recipient: { sub: string }, categories: string[]) {
    const granted = await call(therapist, 'POST', `/clients/${clientId}/consents`, {
      recipientIds: [recipient.sub],
      categories,
      purpose: 'treatment',
      expiresAt: new Date(clock.now().getTime() + 30 * DAY).toISOString(),
      attestation: { method: 'signature_on_file', signerName: 'Jordan Lee' },
    });
    expect(granted.status).toBe(201);
    return granted.body.consentId as string;
  }

  beforeAll(async () => {
    gateway = await startTestGateway({ clock });
    call = apiAs(gateway, clock);
    events = [];
    gateway.app.get(ConsultEvents).subscribe((event) => events.push(event));
    for (const provider of [psychiatrist, careManager, outsider]) await call(provider, 'GET', '/me');
    clientId = await registerClient(call, therapist);
    await consent(psychiatrist, ['general', 'symptoms', 'medications', 'diagnosis']);
    await consent(careManager, ['general']);
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  const openThread = (participants = [psychiatrist.sub]) =>
    openThreadAs(call, therapist, clientId, participants, 'Referral');

  async function refer(threadId: string, body = opening()) {
    const sent = await call(therapist, 'POST', `/threads/${threadId}/messages`, body);
    expect(sent.status).toBe(201);
    return sent.body.messageId as string;
  }

  const send = (provider: typeof therapist, threadId: string, body: unknown) =>
    call(provider, 'POST', `/threads/${threadId}/messages`, body);

  const referrals = async (provider: typeof therapist, threadId: string) =>
    (await call(provider, 'GET', `/threads/${threadId}/referrals`)).body.referrals as Json[];

  const statusOf = async (threadId: string, referralId: string) =>
    (await referrals(therapist, threadId)).find((referral) => referral.referralMessageId === referralId)?.status;

  /** A refused follow-up changes nothing: no message, same referral row. */
  async function expectRefused(
    threadId: string,
    provider: typeof therapist,
    body: unknown,
    expected: { status: number; code: string },
    referralId: string,
  ) {
    const lastSeq = (await call(therapist, 'GET', `/threads/${threadId}`)).body.lastSeq;
    const before = await referralRow(referralId);
    const refused = await send(provider, threadId, body);
    expect({ status: refused.status, code: refused.body.error?.code }).toEqual(expected);
    expect((await call(therapist, 'GET', `/threads/${threadId}`)).body.lastSeq).toBe(lastSeq);
    expect(await referralRow(referralId)).toEqual(before);
    return refused;
  }

  it('opens a referral as sent, and its receiver accepts and completes it, each step shown where it stands', async () => {
    const threadId = await openThread();
    events.length = 0;
    const body = opening();
    const sent = await send(therapist, threadId, body);
    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({ kind: 'referral', seq: 2, body: body.body, referralStatus: 'sent' });
    const referralId = sent.body.messageId as string;
    expect(events).toEqual([
      expect.objectContaining({ type: 'message.new', message: expect.objectContaining({ referralStatus: 'sent' }) }),
    ]);
    expect(await referrals(psychiatrist, threadId)).toEqual([
      {
        referralMessageId: referralId,
        threadId,
        clientId,
        seq: 2,
        category: 'general',
        openedBy: therapist.sub,
        openedAt: clock.now().toISOString(),
        messageState: 'current',
        direction: 'to_psychiatry',
        status: 'sent',
        updatedAt: clock.now().toISOString(),
        updatedBy: therapist.sub,
      },
    ]);

    clock.advance(60_000);
    const accepted = await send(psychiatrist, threadId, followUp(referralId, 'accepted'));
    expect(accepted.status).toBe(201);
    expect(accepted.body).toMatchObject({ seq: 3, body: { referralMessageId: referralId, status: 'accepted' } });
    expect(accepted.body.referralStatus).toBeUndefined();
    expect(await referrals(therapist, threadId)).toEqual([
      expect.objectContaining({
        status: 'accepted',
        updatedAt: clock.now().toISOString(),
        updatedBy: psychiatrist.sub,
      }),
    ]);

    clock.advance(60_000);
    expect((await send(psychiatrist, threadId, followUp(referralId, 'completed'))).status).toBe(201);
    expect(await statusOf(threadId, referralId)).toBe('completed');
    const history = await call(therapist, 'GET', `/threads/${threadId}/messages`);
    expect(history.body.messages.map((m: Json) => [m.seq, m.kind, m.referralStatus ?? null])).toEqual([
      [1, 'system', null],
      [2, 'referral', 'completed'],
      [3, 'referral', null],
      [4, 'referral', null],
    ]);
    expect(await count(`SELECT count(*) AS n FROM referrals WHERE thread_id = $1`, [threadId])).toBe(1);
  });

  it('lets the receiver decline with a reason, and refuses a decline without one as invalid', async () => {
    const threadId = await openThread();
    const referralId = await refer(threadId);
    const refused = await expectRefused(
      threadId,
      psychiatrist,
      followUp(referralId, 'declined'),
      { status: 400, code: 'invalid' },
      referralId,
    );
    expect(refused.body.error.details).toEqual([{ field: 'body.reason', problems: ['required'] }]);
    const declined = await send(psychiatrist, threadId, followUp(referralId, 'declined', 'Caseload full until March'));
    expect(declined.status).toBe(201);
    expect(declined.body.body).toEqual({
      referralMessageId: referralId,
      status: 'declined',
      reason: 'Caseload full until March',
    });
    expect(await statusOf(threadId, referralId)).toBe('declined');
  });

  it('refuses every transition the status does not allow with conflict, changing nothing', async () => {
    const threadId = await openThread();
    const conflict = { status: 409, code: 'conflict' };
    const reason = 'Not indicated';

    const sent = await refer(threadId);
    await expectRefused(threadId, psychiatrist, followUp(sent, 'completed'), conflict, sent);
    expect(await statusOf(threadId, sent)).toBe('sent');

    const accepted = await refer(threadId);
    expect((await send(psychiatrist, threadId, followUp(accepted, 'accepted'))).status).toBe(201);
    await expectRefused(threadId, psychiatrist, followUp(accepted, 'accepted'), conflict, accepted);
    await expectRefused(threadId, psychiatrist, followUp(accepted, 'declined', reason), conflict, accepted);
    expect(await statusOf(threadId, accepted)).toBe('accepted');

    const declined = await refer(threadId);
    expect((await send(psychiatrist, threadId, followUp(declined, 'declined', reason))).status).toBe(201);
    for (const [status, why] of [['accepted'], ['declined', reason], ['completed']] as const) {
      await expectRefused(threadId, psychiatrist, followUp(declined, status, why), conflict, declined);
    }
    expect(await statusOf(threadId, declined)).toBe('declined');

    const completed = await refer(threadId);
    expect((await send(psychiatrist, threadId, followUp(completed, 'accepted'))).status).toBe(201);
    expect((await send(psychiatrist, threadId, followUp(completed, 'completed'))).status).toBe(201);
    for (const [status, why] of [['accepted'], ['declined', reason], ['completed']] as const) {
      await expectRefused(threadId, psychiatrist, followUp(completed, status, why), conflict, completed);
    }
    expect(await statusOf(threadId, completed)).toBe('completed');

    // `sent` is where a referral starts, never a status a follow-up sets.
    await expectRefused(threadId, psychiatrist, followUp(sent, 'sent'), { status: 400, code: 'invalid' }, sent);
  });

  it('refuses the referral’s own sender answering it, as invalid naming the referral', async () => {
    const threadId = await openThread();
    const referralId = await refer(threadId);
    for (const status of ['accepted', 'completed']) {
      const refused = await expectRefused(
        threadId,
        therapist,
        followUp(referralId, status),
        { status: 400, code: 'invalid' },
        referralId,
      );
      expect(refused.body.error.details).toEqual([{ field: 'body.referralMessageId', problems: ['ownReferral'] }]);
    }
    expect(await statusOf(threadId, referralId)).toBe('sent');
  });

  it('refuses a follow-up naming a referral of another thread, or no referral at all, as invalid', async () => {
    const threadId = await openThread();
    const otherThread = await openThread();
    const elsewhere = await refer(otherThread);
    const note = await send(therapist, threadId, {
      clientMessageId: randomUUID(),
      kind: 'note',
      category: 'general',
      body: { text: 'Please see the referral.' },
    });
    const unknownReferral = [{ field: 'body.referralMessageId', problems: ['unknownReferral'] }];
    const refused = await expectRefused(
      threadId,
      psychiatrist,
      followUp(elsewhere, 'accepted'),
      { status: 400, code: 'invalid' },
      elsewhere,
    );
    expect(refused.body.error.details).toEqual(unknownReferral);
    for (const named of [note.body.messageId, randomUUID()]) {
      const answer = await send(psychiatrist, threadId, followUp(named, 'accepted'));
      expect({ status: answer.status, details: answer.body.error?.details }).toEqual({
        status: 400,
        details: unknownReferral,
      });
    }
    expect(await statusOf(otherThread, elsewhere)).toBe('sent');
    expect((await call(therapist, 'GET', `/threads/${threadId}`)).body.lastSeq).toBe(2);
  });

  it('refuses a follow-up in another consent category than its referral, as invalid', async () => {
    const threadId = await openThread();
    const referralId = await refer(threadId, opening('symptoms'));
    const refused = await expectRefused(
      threadId,
      psychiatrist,
      followUp(referralId, 'accepted'),
      { status: 400, code: 'invalid' },
      referralId,
    );
    expect(refused.body.error.details).toEqual([{ field: 'category', problems: ['referralCategory'] }]);
    expect(
      (await send(psychiatrist, threadId, { ...followUp(referralId, 'accepted'), category: 'symptoms' })).status,
    ).toBe(201);
  });

  it('records a send in the audit trail in the same transaction: a refused follow-up leaves neither', async () => {
    const threadId = await openThread();
    const audit = gateway.app.get(AuditService);
    const sends = async () => {
      await audit.linkPending();
      return count(
        `SELECT count(*) AS n FROM audit_records WHERE action = 'message.send' AND details->>'threadId' = $1`,
        [threadId],
      );
    };
    // Held back from the chain for a moment, the record waits where the sending transaction wrote it:
    // a pass the thread's opening started is let finish, then every later one (timer, sweep) holds off.
    await audit.linkPending();
    const linkPending = jest.spyOn(audit, 'linkPending').mockResolvedValue(undefined);
    let referralId: string;
    try {
      referralId = await refer(threadId);
      // Written by one transaction: the message row and its audit record carry the same xmin.
      const [{ message_xmin: messageXmin }] = await gateway.db.dataSource.query(
        `SELECT xmin::text AS message_xmin FROM messages WHERE id = $1`,
        [referralId],
      );
      const [{ audit_xmin: auditXmin }] = await gateway.db.dataSource.query(
        `SELECT xmin::text AS audit_xmin FROM audit_pending WHERE action = 'message.send' AND resource_id = $1`,
        [referralId],
      );
      expect(auditXmin).toBe(messageXmin);
    } finally {
      linkPending.mockRestore();
    }
    expect(await sends()).toBe(1);
    // completed straight from sent is refused inside the sending transaction, after the row was written.
    await expectRefused(
      threadId,
      psychiatrist,
      followUp(referralId, 'completed'),
      { status: 409, code: 'conflict' },
      referralId,
    );
    expect(await sends()).toBe(1);
    expect((await send(psychiatrist, threadId, followUp(referralId, 'accepted'))).status).toBe(201);
    expect(await sends()).toBe(2);
  });

  it('lets exactly one of a concurrent accept and decline through', async () => {
    const threadId = await openThread();
    for (let round = 0; round < 4; round++) {
      const referralId = await refer(threadId);
      const before = await count(`SELECT count(*) AS n FROM messages WHERE thread_id = $1`, [threadId]);
      const [accept, decline] = await Promise.all([
        send(psychiatrist, threadId, followUp(referralId, 'accepted')),
        send(psychiatrist, threadId, followUp(referralId, 'declined', 'Caseload full')),
      ]);
      expect([accept.status, decline.status].sort()).toEqual([201, 409]);
      const winner = accept.status === 201 ? 'accepted' : 'declined';
      expect(await statusOf(threadId, referralId)).toBe(winner);
      expect(await count(`SELECT count(*) AS n FROM messages WHERE thread_id = $1`, [threadId])).toBe(before + 1);
    }
    const history = await call(therapist, 'GET', `/threads/${threadId}/messages?limit=200`);
    const seqs = history.body.messages.map((m: Json) => m.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, index) => index + 1));
  });

  it('returns the original on a retry and never applies a follow-up twice', async () => {
    const threadId = await openThread();
    const body = opening();
    const first = await send(therapist, threadId, body);
    const referralId = first.body.messageId as string;
    const [again, concurrently] = await Promise.all([
      send(therapist, threadId, body),
      send(therapist, threadId, { ...body, body: { ...body.body, urgency: 'urgent' } }),
    ]);
    expect(again.body).toEqual(first.body);
    expect(concurrently.body).toEqual(first.body);
    expect(await count(`SELECT count(*) AS n FROM referrals WHERE thread_id = $1`, [threadId])).toBe(1);

    const accept = followUp(referralId, 'accepted');
    const [accepted, acceptedAgain] = await Promise.all([
      send(psychiatrist, threadId, accept),
      send(psychiatrist, threadId, accept),
    ]);
    expect([accepted.status, acceptedAgain.status]).toEqual([201, 201]);
    expect(acceptedAgain.body).toEqual(accepted.body);
    const afterAccept = await referralRow(referralId);
    expect(afterAccept?.status).toBe('accepted');

    clock.advance(60_000);
    events.length = 0;
    // A retry of the accept after it took effect: the original, not a conflict, and nothing moves.
    const retried = await send(psychiatrist, threadId, accept);
    expect(retried).toEqual({ status: 201, body: accepted.body });
    expect(await referralRow(referralId)).toEqual(afterAccept);
    expect(events).toEqual([]);

    expect((await send(psychiatrist, threadId, followUp(referralId, 'completed'))).status).toBe(201);
    // Even once the referral has moved on, the accept's retry is still its original.
    expect((await send(psychiatrist, threadId, accept)).body).toEqual(accepted.body);
    expect(await statusOf(threadId, referralId)).toBe('completed');
    expect(await count(`SELECT count(*) AS n FROM messages WHERE thread_id = $1`, [threadId])).toBe(4);
  });

  it('lists referrals to participants only, and shows a status change follow-ups make live', async () => {
    const threadId = await openThread([psychiatrist.sub, careManager.sub]);
    const referralId = await refer(threadId);
    expect((await referrals(careManager, threadId)).map((r) => [r.referralMessageId, r.status])).toEqual([
      [referralId, 'sent'],
    ]);
    expect(await call(outsider, 'GET', `/threads/${threadId}/referrals`)).toEqual({
      status: 404,
      body: { error: { code: 'not_found', message: expect.any(String) } },
    });
    expect((await call(psychiatrist, 'GET', `/threads/${randomUUID()}/referrals`)).status).toBe(404);
    expect((await call(psychiatrist, 'GET', `/threads/not-a-thread/referrals`)).status).toBe(400);
    // A participant who is not its sender may answer it: the care manager accepts on the team’s behalf.
    events.length = 0;
    const accepted = await send(careManager, threadId, followUp(referralId, 'accepted'));
    expect(accepted.status).toBe(201);
    expect(events).toEqual([
      {
        type: 'message.new',
        recipientIds: expect.arrayContaining([therapist.sub, psychiatrist.sub, careManager.sub]),
        message: expect.objectContaining({ messageId: accepted.body.messageId }),
      },
    ]);
    expect(await statusOf(threadId, referralId)).toBe('accepted');
  });

  it('takes a follow-up entered in error back to the status before it, and closes a referral entered in error', async () => {
    const threadId = await openThread();
    const referralId = await refer(threadId);
    const accepted = await send(psychiatrist, threadId, followUp(referralId, 'accepted'));
    clock.advance(60_000);
    const corrected = await call(psychiatrist, 'POST', `/messages/${accepted.body.messageId}/entered-in-error`, {
      reason: 'Meant for another client',
    });
    expect(corrected.status).toBe(200);
    expect(await referralRow(referralId)).toEqual({
      status: 'sent',
      updated_at: clock.now(),
      updated_by: psychiatrist.sub,
    });
    // Declining is open again, and once it has moved on, the earlier correction cannot be repeated.
    const declined = await send(psychiatrist, threadId, followUp(referralId, 'declined', 'Not indicated'));
    expect(declined.status).toBe(201);
    expect(await statusOf(threadId, referralId)).toBe('declined');

    // A follow-up made stale by a later one cannot be entered in error without undoing the later one first.
    const second = await refer(threadId);
    const acceptSecond = await send(psychiatrist, threadId, followUp(second, 'accepted'));
    expect((await send(psychiatrist, threadId, followUp(second, 'completed'))).status).toBe(201);
    const stale = await call(psychiatrist, 'POST', `/messages/${acceptSecond.body.messageId}/entered-in-error`, {
      reason: 'Wrong referral',
    });
    expect(stale.status).toBe(409);
    expect(await statusOf(threadId, second)).toBe('completed');
    expect(
      (await call(psychiatrist, 'GET', `/threads/${threadId}/messages?limit=200`)).body.messages.find(
        (m: Json) => m.messageId === acceptSecond.body.messageId,
      ).state,
    ).toBe('current');

    // The referral's sender marks the referral itself entered in error: it takes no more follow-ups.
    const third = await refer(threadId);
    expect(
      (await call(therapist, 'POST', `/messages/${third}/entered-in-error`, { reason: 'Duplicate referral' })).status,
    ).toBe(200);
    await expectRefused(threadId, psychiatrist, followUp(third, 'accepted'), { status: 409, code: 'conflict' }, third);
    expect((await referrals(therapist, threadId)).find((r) => r.referralMessageId === third)).toMatchObject({
      status: 'sent',
      messageState: 'entered_in_error',
    });
    // Referral messages are moved by follow-ups, never amended.
    const amend = await call(therapist, 'POST', `/messages/${referralId}/amend`, {
      clientMessageId: randomUUID(),
      body: opening().body,
    });
    expect({ status: amend.status, code: amend.body.error?.code }).toEqual({ status: 400, code: 'invalid' });
  });

  it('withholds direction and status from a reader whose consent no longer covers the referral’s category', async () => {
    const threadId = await openThread();
    const referralId = await refer(threadId, opening('diagnosis'));
    const consents = (await call(therapist, 'GET', `/clients/${clientId}/consents`)).body.consents as Json[];
    const psychiatrists = consents.find((c) => c.recipientIds.includes(psychiatrist.sub) && !c.revokedAt);
    expect(
      (await call(therapist, 'POST', `/consents/${psychiatrists?.consentId}/revoke`, { reason: 'Narrowed' })).status,
    ).toBe(200);
    await consent(psychiatrist, ['general', 'symptoms', 'medications']);
    expect((await referrals(psychiatrist, threadId)).find((r) => r.referralMessageId === referralId)).toEqual(
      expect.objectContaining({ direction: null, status: null, withheld: 'consent_required' }),
    );
    expect((await referrals(therapist, threadId)).find((r) => r.referralMessageId === referralId)).toMatchObject({
      direction: 'to_psychiatry',
      status: 'sent',
    });
    const opened = (await call(psychiatrist, 'GET', `/threads/${threadId}/messages`)).body.messages.find(
      (m: Json) => m.messageId === referralId,
    );
    expect(opened).toMatchObject({ body: null, withheld: 'consent_required' });
    expect(opened.referralStatus).toBeUndefined();
  });
});
