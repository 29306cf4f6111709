import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import { AuditService } from '@sharedcare/audit';
import { concurrentBatches } from '@sharedcare/common';
import { MessageAppender, ThreadsRepository } from '@sharedcare/consult';
import { DataSource } from 'typeorm';
import { apiAs, grantConsent, registerClient, testProvider } from '../../../../test/support/api.js';
import { startTestGateway, type TestGateway } from '../../../../test/support/gateway-app.js';

const org = randomUUID();
const therapist = testProvider('therapist', org, 'Dana Reyes', 'LCSW');
const psychiatrist = testProvider('psychiatrist', org, 'Sam Okafor', 'MD');

const note = (text: string, clientMessageId: string = randomUUID()) => ({
  clientMessageId,
  kind: 'note',
  category: 'general',
  body: { text },
});

/**
 * Group commit (MessageAppender): a send is written at once while a writer is free (one on the
 * embedded database, several on a PostgreSQL server); sends that arrive while every writer is busy
 * go together in the next transaction, and each still gets its own answer. The test holds batches
 * open (their transactions wait on a gate) so the next one fills deterministically.
 */
describe('sending with group commit', () => {
  let gateway: TestGateway;
  let call: ReturnType<typeof apiAs>;
  let appender: MessageAppender;
  /** Batches this gateway writes at once. */
  let writers: number;

  beforeAll(async () => {
    gateway = await startTestGateway();
    call = apiAs(gateway);
    appender = gateway.app.get(MessageAppender);
    writers = concurrentBatches(gateway.app.get(DataSource));
    await call(psychiatrist, 'GET', '/me');
  });
  afterEach(() => jest.restoreAllMocks());
  afterAll(async () => {
    await gateway?.stop();
  });

  async function sharedThread() {
    const clientId = await registerClient(call, therapist);
    const consentId = await grantConsent(
      call,
      therapist,
      clientId,
      [psychiatrist.sub],
      ['general'],
      new Date(Date.now() + 86_400_000),
    );
    const thread = await call(therapist, 'POST', '/threads', {
      clientId,
      subject: 'x',
      participantIds: [psychiatrist.sub],
    });
    return { clientId, consentId, threadId: thread.body.threadId as string };
  }

  /** Holds the next `count` batches' transactions until `release`; `held` resolves when all are waiting. */
  function holdBatches(count = 1, on: TestGateway = gateway) {
    const repository = on.app.get(ThreadsRepository);
    const original = repository.transaction.bind(repository);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let allHeld!: () => void;
    const held = new Promise<void>((resolve) => (allHeld = resolve));
    let holding = 0;
    jest.spyOn(repository, 'transaction').mockImplementation(async (work) => {
      if (holding < count) {
        if (++holding === count) allHeld();
        await gate;
      }
      return original(work);
    });
    return { held, release };
  }

  /** Keeps every writer busy with a held batch of one note to `threadId`; the notes' answers are `firsts`. */
  async function occupyWriters(threadId: string) {
    const { held, release } = holdBatches(writers);
    const firsts = Array.from({ length: writers }, (_, n) =>
      call(therapist, 'POST', `/threads/${threadId}/messages`, note(`first ${n + 1}`)),
    );
    await held;
    return { firsts, release };
  }

  /** Waits (without a timer) until `count` sends are queued behind the held batch. */
  async function queued(count: number) {
    const deadline = Date.now() + 10_000;
    while (appender.waiting < count) {
      if (Date.now() > deadline) throw new Error(`only ${appender.waiting} of ${count} sends queued`);
      await new Promise(setImmediate);
    }
  }

  const xmins = async (messageIds: string[]) =>
    (
      (await gateway.db.dataSource.query(
        `SELECT DISTINCT xmin::text AS xmin FROM messages WHERE id = ANY($1::uuid[])`,
        [messageIds],
      )) as { xmin: string }[]
    ).map((row) => row.xmin);

  it('commits concurrent sends to several threads in one transaction, each answered on its own', async () => {
    const threads = await Promise.all([sharedThread(), sharedThread(), sharedThread()]);
    const refused = await sharedThread();
    await call(therapist, 'POST', `/consents/${refused.consentId}/revoke`, { reason: 'Client withdrew' });
    const { firsts, release } = await occupyWriters(threads[0].threadId);
    const repeated = randomUUID();
    const sends = [
      ...threads.flatMap(({ threadId }) => [1, 2, 3].map((n) => ({ threadId, body: note(`batched ${n}`) }))),
      { threadId: threads[1].threadId, body: note('said twice', repeated) },
      { threadId: threads[1].threadId, body: note('said twice, retried', repeated) },
      { threadId: refused.threadId, body: note('not covered') },
    ];
    const answers = sends.map(({ threadId, body }) => call(therapist, 'POST', `/threads/${threadId}/messages`, body));
    await queued(sends.length);
    release();
    for (const first of await Promise.all(firsts)) expect(first.status).toBe(201);
    const settled = await Promise.all(answers);

    expect(settled.at(-1)).toMatchObject({ status: 403, body: { error: { code: 'consent_required' } } });
    const delivered = settled.slice(0, -1);
    for (const answer of delivered) expect(answer.status).toBe(201);
    // The repeated send is answered with the one message it stored.
    expect(delivered.at(-1)?.body.messageId).toBe(delivered.at(-2)?.body.messageId);
    // One transaction wrote every new message of the batch.
    const batchIds = [...new Set(delivered.map((answer) => answer.body.messageId as string))];
    expect(batchIds).toHaveLength(10);
    expect(await xmins(batchIds)).toHaveLength(1);
    // Each thread's numbers stay gapless, in order: 1 opened it, 2 is the first send.
    for (const { threadId } of threads) {
      const history = await call(therapist, 'GET', `/threads/${threadId}/messages`);
      const seqs = history.body.messages.map((message: { seq: number }) => message.seq);
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    }
    expect((await call(therapist, 'GET', `/threads/${refused.threadId}/messages`)).body.messages).toHaveLength(1);
    // The refusal is on the record too, written in the same transaction as the batch.
    await gateway.app.get(AuditService).linkPending();
    const [{ n }] = await gateway.db.dataSource.query(
      `SELECT count(*)::int AS n FROM audit_records WHERE action = 'message.send' AND outcome = 'refused' AND resource_id = $1`,
      [refused.threadId],
    );
    expect(n).toBe(1);
  });

  it('asks for the batch’s audit records to be linked into the chain once it has committed', async () => {
    const { threadId } = await sharedThread();
    const audit = gateway.app.get(AuditService);
    // Nothing left pending from the thread's opening, so the once-a-second sweep has nothing to link.
    await audit.linkPending();
    const linkSoon = jest.spyOn(audit, 'linkSoon');
    let committed = false;
    // Called after the batch's transaction has returned, never inside it.
    const repository = gateway.app.get(ThreadsRepository);
    const original = repository.transaction.bind(repository);
    jest.spyOn(repository, 'transaction').mockImplementation(async (work) => {
      const result = await original(work);
      expect(linkSoon).not.toHaveBeenCalled();
      committed = true;
      return result;
    });
    const sent = await call(therapist, 'POST', `/threads/${threadId}/messages`, note('Linked after the commit'));
    expect(sent.status).toBe(201);
    expect(committed).toBe(true);
    expect(linkSoon).toHaveBeenCalled();
  });

  it('answers a send that fails inside a batch on its own, and stores the others', async () => {
    const { threadId } = await sharedThread();
    const referral = await call(therapist, 'POST', `/threads/${threadId}/messages`, {
      clientMessageId: randomUUID(),
      kind: 'referral',
      category: 'general',
      body: { direction: 'to_psychiatry', reasons: ['formal_diagnosis_needed'], urgency: 'routine' },
    });
    expect(referral.status).toBe(201);
    const { firsts, release } = await occupyWriters(threadId);
    const answers = [
      call(therapist, 'POST', `/threads/${threadId}/messages`, note('before')),
      // Completed straight from sent: refused inside the transaction, after its row was written.
      call(psychiatrist, 'POST', `/threads/${threadId}/messages`, {
        clientMessageId: randomUUID(),
        kind: 'referral',
        category: 'general',
        body: { referralMessageId: referral.body.messageId, status: 'completed' },
      }),
      call(therapist, 'POST', `/threads/${threadId}/messages`, note('after')),
    ];
    await queued(answers.length);
    release();
    for (const first of await Promise.all(firsts)) expect(first.status).toBe(201);
    const [before, conflict, after] = await Promise.all(answers);
    expect(conflict).toMatchObject({ status: 409, body: { error: { code: 'conflict' } } });
    expect([before.status, after.status]).toEqual([201, 201]);
    const history = await call(therapist, 'GET', `/threads/${threadId}/messages`);
    const seqs = history.body.messages.map((message: { seq: number }) => message.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    // Every note stored once. In what order is not this test's: released together, the held batches
    // and the one written apart race for the thread's row, so a held note may be numbered after them.
    const texts: string[] = history.body.messages
      .map((message: { body: { text?: string } }) => message.body.text)
      .filter(Boolean);
    expect(texts.sort()).toEqual(['after', 'before', ...Array.from({ length: writers }, (_, n) => `first ${n + 1}`)]);
  });

  it('checks consent again inside the transaction: an amendment overtaken by a revocation is refused, not delivered', async () => {
    const { consentId, threadId } = await sharedThread();
    const original = await call(therapist, 'POST', `/threads/${threadId}/messages`, note('Sleeping badly'));
    const { held, release } = holdBatches();
    const amended = call(therapist, 'POST', `/messages/${original.body.messageId}/amend`, {
      clientMessageId: randomUUID(),
      body: { text: 'Sleeping badly since the move' },
    });
    await held;
    // Checked and passed before the batch; the revocation commits while the amendment waits.
    const revoked = await call(therapist, 'POST', `/consents/${consentId}/revoke`, { reason: 'Client withdrew' });
    expect(revoked.status).toBe(200);
    release();
    expect(await amended).toMatchObject({ status: 403, body: { error: { code: 'consent_required' } } });
    const history = await call(therapist, 'GET', `/threads/${threadId}/messages`);
    expect(
      history.body.messages.map((message: { seq: number; state: string }) => [message.seq, message.state]),
    ).toEqual([
      [1, 'current'],
      [2, 'current'],
    ]);
  });

  it('decides each sender’s access in the batch: outsiders’ sends are not_found and audited together, the others stored', async () => {
    const { clientId, threadId } = await sharedThread();
    const outsider = testProvider('psychiatrist', randomUUID(), 'Ola Nowak', 'MD');
    const another = testProvider('therapist', randomUUID(), 'Kai Berg', 'LCSW');
    const { firsts, release } = await occupyWriters(threadId);
    const answers = [
      call(therapist, 'POST', `/threads/${threadId}/messages`, note('before')),
      call(outsider, 'POST', `/threads/${threadId}/messages`, note('not theirs to send')),
      call(another, 'POST', `/threads/${threadId}/messages`, note('not theirs either')),
      call(therapist, 'POST', `/threads/${threadId}/messages`, note('after')),
    ];
    await queued(answers.length);
    const recordAll = jest.spyOn(gateway.app.get(AuditService), 'recordAll');
    release();
    for (const first of await Promise.all(firsts)) expect(first.status).toBe(201);
    const [before, refused, alsoRefused, after] = await Promise.all(answers);
    for (const answer of [refused, alsoRefused]) {
      expect(answer).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    }
    // One record of the batch's refusals, however many: a flood of refused sends costs one per batch.
    expect(recordAll.mock.calls.map(([entries]) => entries.map((entry) => entry.actorId).sort())).toEqual([
      [outsider.sub, another.sub].sort(),
    ]);
    expect([before.status, after.status]).toEqual([201, 201]);
    expect(await xmins([before.body.messageId, after.body.messageId])).toHaveLength(1);
    const history = await call(therapist, 'GET', `/threads/${threadId}/messages`);
    const texts = history.body.messages.map((message: { body: { text?: string } }) => message.body.text);
    expect(texts).not.toContain('not theirs to send');
    expect(texts).not.toContain('not theirs either');
    // Numbered without a gap where the refused send would have been; the two may arrive, and be stored, in either order.
    expect(Math.abs(after.body.seq - before.body.seq)).toBe(1);
    // Recorded before the answer, naming the thread's client, so it shows in the client's access report.
    const refusals = (await gateway.db.dataSource.query(
      `SELECT client_id, details FROM audit_records WHERE action = 'access.refused' AND actor_id = $1 AND resource_id = $2`,
      [outsider.sub, threadId],
    )) as { client_id: string; details: unknown }[];
    expect(refusals).toEqual([{ client_id: clientId, details: { permission: 'message.send' } }]);
  });

  it('answers a batch’s refused sends with an error, not not_found, when their refusal cannot be recorded; the stored sends stand', async () => {
    const { threadId } = await sharedThread();
    const outsider = testProvider('psychiatrist', randomUUID(), 'Ola Nowak', 'MD');
    const another = testProvider('therapist', randomUUID(), 'Kai Berg', 'LCSW');
    const { firsts, release } = await occupyWriters(threadId);
    const answers = [
      call(outsider, 'POST', `/threads/${threadId}/messages`, note('not theirs to send')),
      call(another, 'POST', `/threads/${threadId}/messages`, note('not theirs either')),
      call(therapist, 'POST', `/threads/${threadId}/messages`, note('stored')),
    ];
    await queued(answers.length);
    const recordAll = jest
      .spyOn(gateway.app.get(AuditService), 'recordAll')
      .mockRejectedValueOnce(new Error('the audit chain is unreachable'));
    try {
      release();
      for (const first of await Promise.all(firsts)) expect(first.status).toBe(201);
      const [refused, alsoRefused, stored] = await Promise.all(answers);
      // An unrecorded refusal is never answered as one: both fail alike, and say nothing more.
      for (const answer of [refused, alsoRefused]) {
        expect(answer).toEqual({ status: 500, body: { error: { code: 'internal', message: expect.any(String) } } });
        expect(JSON.stringify(answer.body)).not.toContain('audit chain');
      }
      expect(recordAll).toHaveBeenCalledTimes(1);
      expect(stored.status).toBe(201);
      const history = await call(therapist, 'GET', `/threads/${threadId}/messages`);
      const texts = history.body.messages.map((message: { body: { text?: string } }) => message.body.text);
      expect(texts).toContain('stored');
      expect(texts).not.toContain('not theirs to send');
    } finally {
      recordAll.mockRestore();
    }
  });

  it('refuses at the commit a send whose sender lost access while it waited: not_found, nothing stored', async () => {
    const { consentId, threadId } = await sharedThread();
    expect((await call(psychiatrist, 'POST', `/threads/${threadId}/messages`, note('while shared'))).status).toBe(201);
    const { held, release } = holdBatches();
    const late = call(psychiatrist, 'POST', `/threads/${threadId}/messages`, note('sent as the consent ends'));
    await held;
    expect((await call(therapist, 'POST', `/consents/${consentId}/revoke`, { reason: 'Client withdrew' })).status).toBe(
      200,
    );
    release();
    expect(await late).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    const [{ n }] = await gateway.db.dataSource.query(`SELECT count(*)::int AS n FROM messages WHERE thread_id = $1`, [
      threadId,
    ]);
    expect(n).toBe(2);
  });

  it('answers a retry of a stored send in a batch with its original, and numbers the rest without a gap', async () => {
    const { threadId } = await sharedThread();
    const earlier = note('Sent before, retried in the batch');
    const original = await call(therapist, 'POST', `/threads/${threadId}/messages`, earlier);
    expect(original.status).toBe(201);
    const { firsts, release } = await occupyWriters(threadId);
    const answers = [note('new one'), { ...earlier, body: { text: 'retried, body changed' } }, note('new two')].map(
      (body) => call(therapist, 'POST', `/threads/${threadId}/messages`, body),
    );
    await queued(answers.length);
    release();
    for (const first of await Promise.all(firsts)) expect(first.status).toBe(201);
    const [one, retry, two] = await Promise.all(answers);
    expect([one.status, retry.status, two.status]).toEqual([201, 201, 201]);
    expect(retry.body).toMatchObject({ messageId: original.body.messageId, seq: 2, body: earlier.body });
    const history = await call(therapist, 'GET', `/threads/${threadId}/messages`);
    const seqs = history.body.messages.map((message: { seq: number }) => message.seq);
    // The opening, the original, the held notes and the two new ones.
    expect(seqs).toEqual(Array.from({ length: 2 + writers + 2 }, (_, i) => i + 1));
  });

  it('answers a retry of a stored send with its original even once the consent no longer covers it', async () => {
    const { threadId, consentId } = await sharedThread();
    const earlier = note('Sent while shared');
    const original = await call(therapist, 'POST', `/threads/${threadId}/messages`, earlier);
    await call(therapist, 'POST', `/consents/${consentId}/revoke`, { reason: 'Client withdrew' });
    const retry = await call(therapist, 'POST', `/threads/${threadId}/messages`, earlier);
    expect(retry).toMatchObject({ status: 201, body: { messageId: original.body.messageId, seq: 2 } });
    // A new send is refused, as the consent says.
    expect(await call(therapist, 'POST', `/threads/${threadId}/messages`, note('After the revocation'))).toMatchObject({
      status: 403,
      body: { error: { code: 'consent_required' } },
    });
  });

  // The embedded database serves one connection, so it writes one batch at a time.
  const severalWriters = process.env.DATABASE_URL ? it : it.skip;

  severalWriters('writes a send at once while another batch is held open (PostgreSQL only)', async () => {
    expect(writers).toBeGreaterThan(1);
    const { threadId } = await sharedThread();
    const { held, release } = holdBatches();
    const slow = call(therapist, 'POST', `/threads/${threadId}/messages`, note('held'));
    await held;
    const fast = await call(therapist, 'POST', `/threads/${threadId}/messages`, note('not kept waiting'));
    expect(fast.status).toBe(201);
    expect(fast.body.seq).toBe(2);
    release();
    expect(await slow).toMatchObject({ status: 201, body: { seq: 3 } });
  });

  severalWriters(
    'stores one message when the same send goes in two batches written at once (PostgreSQL only)',
    async () => {
      const { threadId } = await sharedThread();
      const { held, release } = holdBatches(2);
      const retry = note('Sent twice at once');
      const answers = [1, 2].map(() => call(therapist, 'POST', `/threads/${threadId}/messages`, retry));
      await held;
      release();
      const [first, second] = await Promise.all(answers);
      expect([first.status, second.status]).toEqual([201, 201]);
      expect(second.body.messageId).toBe(first.body.messageId);
      const history = await call(therapist, 'GET', `/threads/${threadId}/messages`);
      expect(history.body.messages.map((message: { seq: number }) => message.seq)).toEqual([1, 2]);
    },
  );

  (process.env.DATABASE_URL ? it : it.skip)(
    'stores one message when the same send commits on two processes at once (PostgreSQL only)',
    async () => {
      const other = await startTestGateway({
        sharing: { db: gateway.db, issuer: gateway.issuer, jwks: gateway.jwks, masterKey: gateway.masterKey },
      });
      try {
        const { threadId } = await sharedThread();
        const holds = [holdBatches(1, gateway), holdBatches(1, other)];
        const retry = note('Sent twice, once to each process');
        const answers = [gateway, other].map((on) =>
          apiAs(on)(therapist, 'POST', `/threads/${threadId}/messages`, retry),
        );
        await Promise.all(holds.map((hold) => hold.held));
        // Both batches looked for an earlier copy and found none; one insert waits for the other's commit.
        for (const hold of holds) hold.release();
        const [first, second] = await Promise.all(answers);
        expect([first.status, second.status]).toEqual([201, 201]);
        expect(second.body.messageId).toBe(first.body.messageId);
        const [{ n }] = await gateway.db.dataSource.query(
          `SELECT count(*)::int AS n FROM messages WHERE thread_id = $1 AND client_message_id = $2`,
          [threadId, retry.clientMessageId],
        );
        expect(n).toBe(1);
        const history = await call(therapist, 'GET', `/threads/${threadId}/messages`);
        expect(history.body.messages.map((message: { seq: number }) => message.seq)).toEqual([1, 2]);
      } finally {
        await other.stop();
      }
    },
  );
});
