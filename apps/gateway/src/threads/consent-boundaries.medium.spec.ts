import { randomUUID } from 'node:crypto';
import { type ConsultEvent, ConsultEvents } from '@sharedcare/consult';
import { apiAs, grantConsent, registerClient, testProvider } from '../../../../test/support/api.js';
import { startTestGateway, type TestGateway } from '../../../../test/support/gateway-app.js';

const org = randomUUID();
const therapist = testProvider('therapist', org, 'Dana Reyes', 'LCSW');
const psychiatrist = testProvider('psychiatrist', org, 'Sam Okafor', 'MD');
const careManager = testProvider('care_manager', org, 'Ria Banerjee', 'RN');

const note = (text: string, category = 'general') => ({
  clientMessageId: randomUUID(),
  kind: 'note',
  category,
  body: { text },
});

/**
 * Where consent meets the live and the edge cases: what a provider the consent no longer covers
 * (or covers only in part) still hears or can do. Each test has its own client.
 */
describe('consent boundaries of threads', () => {
  let gateway: TestGateway;
  let call: ReturnType<typeof apiAs>;
  let events: ConsultEvent[];

  beforeAll(async () => {
    gateway = await startTestGateway();
    call = apiAs(gateway);
    events = [];
    gateway.app.get(ConsultEvents).subscribe((event) => events.push(event));
    for (const provider of [psychiatrist, careManager]) await call(provider, 'GET', '/me');
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  const consent = (clientId: string, recipient: { sub: string }, categories: string[]) =>
    grantConsent(call, therapist, clientId, [recipient.sub], categories, new Date(Date.now() + 86_400_000));

  async function sharedThread(psychiatristCategories: string[], careManagerCategories?: string[]) {
    const clientId = await registerClient(call, therapist);
    const psychiatristConsent = await consent(clientId, psychiatrist, psychiatristCategories);
    const participants = [psychiatrist.sub];
    if (careManagerCategories) {
      await consent(clientId, careManager, careManagerCategories);
      participants.push(careManager.sub);
    }
    const thread = await call(therapist, 'POST', '/threads', { clientId, subject: 'x', participantIds: participants });
    return { clientId, threadId: thread.body.threadId as string, psychiatristConsent };
  }

  it('tells a revoked participant nothing more: no receipts, no system messages', async () => {
    const { threadId, psychiatristConsent } = await sharedThread(['general'], ['general']);
    await call(therapist, 'POST', `/consents/${psychiatristConsent}/revoke`, { reason: 'Client withdrew' });
    events.length = 0;
    await call(therapist, 'POST', `/threads/${threadId}/read`, { uptoSeq: 1 });
    await call(careManager, 'POST', `/threads/${threadId}/read`, { uptoSeq: 1 });
    const heard = events.flatMap((event) => event.recipientIds);
    expect(heard).not.toContain(psychiatrist.sub);
    expect(heard).toContain(therapist.sub);
  });

  /** The therapist posts a medication change (category medications) to the thread. */
  const medicationChange = (threadId: string) =>
    call(therapist, 'POST', `/threads/${threadId}/messages`, {
      clientMessageId: randomUUID(),
      kind: 'medication_change',
      category: 'medications',
      body: { action: 'start', medication: { name: 'sertraline' }, effectiveDate: '2026-12-01', reason: 'Low mood' },
    });

  /** The psychiatrist's consent is revoked and given again for general only. */
  async function narrowToGeneral(clientId: string, psychiatristConsent: string): Promise<void> {
    await call(therapist, 'POST', `/consents/${psychiatristConsent}/revoke`, { reason: 'Narrowing' });
    await consent(clientId, psychiatrist, ['general']);
  }

  it('refuses an acknowledgement from a participant whose consent no longer names the message’s category', async () => {
    const { clientId, threadId, psychiatristConsent } = await sharedThread(['general', 'medications']);
    const change = await medicationChange(threadId);
    expect(change.status).toBe(201);
    await narrowToGeneral(clientId, psychiatristConsent);
    const history = await call(psychiatrist, 'GET', `/threads/${threadId}/messages`);
    expect(history.body.messages[1]).toMatchObject({ body: null, withheld: 'consent_required' });
    expect((await call(psychiatrist, 'POST', `/messages/${change.body.messageId}/acknowledge`)).status).toBe(404);
  });

  it('tells only those who may read a message, live, who acknowledged it', async () => {
    const { clientId, threadId, psychiatristConsent } = await sharedThread(
      ['general', 'medications'],
      ['general', 'medications'],
    );
    const change = await medicationChange(threadId);
    expect(change.status).toBe(201);
    // The psychiatrist's consent narrows to general: they still follow the thread, not this message.
    await narrowToGeneral(clientId, psychiatristConsent);
    events.length = 0;
    expect((await call(careManager, 'POST', `/messages/${change.body.messageId}/acknowledge`)).status).toBe(200);
    const receipts = events.filter((event) => event.type === 'receipt');
    expect(receipts).toEqual([expect.objectContaining({ recipientIds: [therapist.sub] })]);
  });

  it('gives no acknowledgement of a message whose body a reader’s narrowed consent withholds', async () => {
    const { clientId, threadId, psychiatristConsent } = await sharedThread(['general', 'medications']);
    const change = await medicationChange(threadId);
    const acknowledged = await call(psychiatrist, 'POST', `/messages/${change.body.messageId}/acknowledge`);
    expect(acknowledged.status).toBe(200);
    const acknowledgement = {
      messageId: change.body.messageId,
      providerId: psychiatrist.sub,
      acknowledgedAt: acknowledged.body.acknowledgedAt,
    };
    expect((await call(psychiatrist, 'GET', `/threads/${threadId}/messages`)).body.receipts.acknowledgements).toEqual([
      acknowledgement,
    ]);
    await narrowToGeneral(clientId, psychiatristConsent);
    const narrowed = await call(psychiatrist, 'GET', `/threads/${threadId}/messages`);
    expect(narrowed.body.messages[1]).toMatchObject({ body: null, withheld: 'consent_required' });
    expect(narrowed.body.receipts.acknowledgements).toEqual([]);
    // The sender, still covered, keeps seeing it.
    expect((await call(therapist, 'GET', `/threads/${threadId}/messages`)).body.receipts.acknowledgements).toEqual([
      acknowledgement,
    ]);
  });

  it('shows a recipient the access report of the categories they may know of, and only their own consents', async () => {
    const { clientId, threadId } = await sharedThread(['general', 'substance_use'], ['general']);
    await call(
      therapist,
      'POST',
      `/threads/${threadId}/messages`,
      note('Alcohol use discussed', 'substance_use'),
    ).catch(() => undefined);
    // The care manager is a participant not covered for substance use, so that send was refused;
    // a thread with the psychiatrist alone carries it.
    const alone = await call(therapist, 'POST', '/threads', {
      clientId,
      subject: 'y',
      participantIds: [psychiatrist.sub],
    });
    const sent = await call(
      therapist,
      'POST',
      `/threads/${alone.body.threadId}/messages`,
      note('Alcohol use discussed', 'substance_use'),
    );
    expect(sent.status).toBe(201);

    const therapistReport = await call(therapist, 'GET', `/clients/${clientId}/access-report?limit=200`);
    expect(therapistReport.body.entries.map((entry: { category: string | null }) => entry.category)).toContain(
      'substance_use',
    );
    const careManagerReport = await call(careManager, 'GET', `/clients/${clientId}/access-report?limit=200`);
    expect(careManagerReport.status).toBe(200);
    expect(careManagerReport.body.entries.map((entry: { category: string | null }) => entry.category)).not.toContain(
      'substance_use',
    );
    const consents = await call(careManager, 'GET', `/clients/${clientId}/consents`);
    expect(consents.body.consents.map((c: { recipientIds: string[] }) => c.recipientIds)).toEqual([[careManager.sub]]);
  });

  it('refuses sequence positions beyond any message with invalid, not a server error', async () => {
    const { threadId } = await sharedThread(['general']);
    expect((await call(therapist, 'GET', `/threads/${threadId}/messages?after=99999999999`)).status).toBe(400);
    expect((await call(therapist, 'POST', `/threads/${threadId}/read`, { uptoSeq: 99999999999 })).status).toBe(400);
  });

  // A revocation in flight and a send are ordered by the database: needs concurrent connections,
  // which the embedded database (one connection) cannot give.
  (process.env.DATABASE_URL ? it : it.skip)(
    'makes a send wait for a revocation in flight, then refuses it: nothing reaches the revoked recipient',
    async () => {
      const { threadId, psychiatristConsent } = await sharedThread(['general']);
      const runner = gateway.db.dataSource.createQueryRunner();
      await runner.connect();
      await runner.startTransaction();
      try {
        await runner.query(`UPDATE consents SET revoked_at = now(), revoked_by = $2 WHERE id = $1`, [
          psychiatristConsent,
          therapist.sub,
        ]);
        events.length = 0;
        const sending = call(therapist, 'POST', `/threads/${threadId}/messages`, note('sent while revoking'));
        // The send has passed its first check (the revocation is not committed) and now waits on
        // the consent row; commit the revocation from here.
        await waitForLock(gateway, psychiatristConsent);
        await runner.commitTransaction();
        const sent = await sending;
        expect(sent.status).toBe(403);
        expect(sent.body.error).toMatchObject({
          code: 'consent_required',
          details: { providerIds: [psychiatrist.sub] },
        });
        expect(events.filter((event) => event.type === 'message.new')).toEqual([]);
        expect((await call(therapist, 'GET', `/threads/${threadId}`)).body.lastSeq).toBe(1);
      } finally {
        if (runner.isTransactionActive) await runner.rollbackTransaction();
        await runner.release();
      }
    },
  );
});

/** Resolves once some session waits for a lock on the consent's row (the blocked send). */
async function waitForLock(gateway: TestGateway, consentId: string): Promise<void> {
  for (;;) {
    const rows = (await gateway.db.dataSource.query(
      `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
       WHERE NOT l.granted AND a.query ILIKE '%FOR SHARE%'`,
    )) as { n: number }[];
    if (rows[0].n > 0) return;
    void consentId;
    // Polling pg_locks: Postgres offers no event for "another session started waiting".
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
