import { randomUUID } from 'node:crypto';
import { FixedClock } from '@sharedcare/common';
import { REDISCLOSURE_NOTICE } from '@sharedcare/consent';
import {
  apiAs,
  grantConsent,
  type Json,
  openThread,
  registerClient,
  testProvider,
} from '../../../../test/support/api.js';
import { startTestGateway, type TestGateway } from '../../../../test/support/gateway-app.js';

const org = randomUUID();
const therapist = testProvider('therapist', org, 'Dana Reyes', 'LCSW');
const psychiatrist = testProvider('psychiatrist', org, 'Sam Okafor', 'MD');
const careManager = testProvider('care_manager', org, 'Ria Banerjee', 'RN');
const primaryCare = testProvider('primary_care', org, 'Lee Moreau', 'DO');
const outsider = testProvider('therapist', org, 'Alex Kim', 'LPC');
const admin = testProvider('admin', org, 'Ana Costa');

const DAY = 86_400_000;
const WEEK = 7 * DAY;
const NOT_FOUND = { status: 404, body: { error: { code: 'not_found', message: 'Not found' } } };

describe('the care record over REST: medication list and measures', () => {
  const clock = new FixedClock(new Date('2026-01-05T09:00:00Z'));
  const start = clock.now();
  let gateway: TestGateway;
  let call: ReturnType<typeof apiAs>;
  let clientId: string;
  const threads = {} as Record<'medications' | 'symptoms' | 'substanceUse' | 'private', string>;

  const send = async (who: typeof therapist, threadId: string, kind: string, category: string, body: Json) => {
    const sent = await call(who, 'POST', `/threads/${threadId}/messages`, {
      clientMessageId: randomUUID(),
      kind,
      category,
      body,
    });
    if (sent.status !== 201) throw new Error(`not sent: ${sent.status} ${JSON.stringify(sent.body)}`);
    return sent.body;
  };
  const change = (body: Json) => ({ effectiveDate: '2026-01-06', reason: 'Agreed at review', ...body });
  const phq9 = (items: number[], at: Date) => ({
    instrument: 'PHQ-9',
    items,
    score: items.reduce((sum, item) => sum + item, 0),
    observedAt: at.toISOString(),
  });
  /** What nothing but a read may change: the rows a read must never write. */
  const footprint = () =>
    gateway.db.dataSource.query(
      `SELECT (SELECT count(*)::int FROM messages) AS messages, (SELECT count(*)::int FROM threads) AS threads,
         (SELECT count(*)::int FROM consents) AS consents, (SELECT count(*)::int FROM referrals) AS referrals`,
    );

  beforeAll(async () => {
    gateway = await startTestGateway({ clock });
    call = apiAs(gateway, clock);
    for (const provider of [psychiatrist, careManager, primaryCare, outsider, admin])
      await call(provider, 'GET', '/me');
    clientId = await registerClient(call, therapist);
    const until = new Date(start.getTime() + 365 * DAY);
    await grantConsent(call, therapist, clientId, [psychiatrist.sub], ['general', 'symptoms', 'medications'], until);
    await grantConsent(
      call,
      therapist,
      clientId,
      [careManager.sub],
      ['general', 'medications', 'substance_use'],
      until,
    );
    await grantConsent(call, therapist, clientId, [primaryCare.sub], ['general'], until);
    threads.medications = await openThread(call, therapist, clientId, [psychiatrist.sub, careManager.sub], 'Meds');
    threads.symptoms = await openThread(call, therapist, clientId, [psychiatrist.sub], 'Scores');
    threads.substanceUse = await openThread(call, therapist, clientId, [careManager.sub], 'MOUD');
    threads.private = await openThread(call, therapist, clientId, [], 'Own notes');
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  describe('GET /api/clients/:clientId/medications', () => {
    let mirtazapine: Json;
    let mirtazapineAmendment: Json;
    let sertralineStart: Json;

    beforeAll(async () => {
      const meds = threads.medications;
      sertralineStart = await send(
        psychiatrist,
        meds,
        'medication_change',
        'medications',
        change({
          action: 'start',
          medication: { name: 'Sertraline', rxnormCode: '36437' },
          dose: { value: 50, unit: 'mg' },
          frequency: 'once daily',
          route: 'oral',
        }),
      );
      await send(
        psychiatrist,
        meds,
        'medication_change',
        'medications',
        change({
          action: 'increase',
          medication: { name: ' sertraline' },
          dose: { value: 100, unit: 'mg' },
          effectiveDate: '2026-02-03',
        }),
      );
      const bupropion = await send(
        psychiatrist,
        meds,
        'medication_change',
        'medications',
        change({
          action: 'start',
          medication: { name: 'bupropion' },
          dose: { value: 150, unit: 'mg' },
        }),
      );
      const inError = await call(psychiatrist, 'POST', `/messages/${bupropion.messageId}/entered-in-error`, {
        reason: 'Wrong client',
      });
      expect(inError.status).toBe(200);
      mirtazapine = await send(
        psychiatrist,
        meds,
        'medication_change',
        'medications',
        change({
          action: 'start',
          medication: { name: 'mirtazapine' },
          dose: { value: 15, unit: 'mg' },
          frequency: 'at night',
        }),
      );
      const amended = await call(psychiatrist, 'POST', `/messages/${mirtazapine.messageId}/amend`, {
        clientMessageId: randomUUID(),
        body: change({
          action: 'start',
          medication: { name: 'mirtazapine' },
          dose: { value: 7.5, unit: 'mg' },
          frequency: 'at night',
        }),
        reason: 'Dose typed wrong',
      });
      expect(amended.status).toBe(201);
      mirtazapineAmendment = amended.body.amendment;
      await send(
        psychiatrist,
        meds,
        'medication_change',
        'medications',
        change({
          action: 'hold',
          medication: { name: 'Mirtazapine' },
          effectiveDate: '2026-02-10',
        }),
      );
      await send(
        therapist,
        threads.substanceUse,
        'medication_change',
        'substance_use',
        change({
          action: 'start',
          medication: { name: 'buprenorphine/naloxone' },
          dose: { value: 8, unit: 'mg' },
          route: 'sublingual',
        }),
      );
      await send(
        therapist,
        threads.private,
        'medication_change',
        'medications',
        change({
          action: 'start',
          medication: { name: 'quetiapine' },
          dose: { value: 25, unit: 'mg' },
        }),
      );
    });

    const listOf = async (who: typeof therapist) => {
      const reply = await call(who, 'GET', `/clients/${clientId}/medications`);
      expect(reply.status).toBe(200);
      return reply.body;
    };
    const summary = (body: Json) =>
      (body.medications as Json[]).map((entry) => [entry.name, entry.status, entry.dose?.value ?? null]);

    it('lists each medication with its current status and regimen, and its history in order', async () => {
      const list = await listOf(psychiatrist);
      expect(list.clientId).toBe(clientId);
      expect(list.redisclosureNotice).toBeUndefined();
      expect(summary(list)).toEqual([
        ['sertraline', 'active', 100],
        ['Mirtazapine', 'on_hold', 7.5],
      ]);
      const [sertraline, held] = list.medications as Json[];
      expect(sertraline).toMatchObject({
        rxnormCode: '36437',
        frequency: 'once daily',
        route: 'oral',
        statusSince: '2026-01-06',
        categories: ['medications'],
        lastChange: { action: 'increase', effectiveDate: '2026-02-03', changedBy: psychiatrist.sub },
      });
      expect(sertraline.history[0]).toEqual({
        messageId: sertralineStart.messageId,
        threadId: threads.medications,
        action: 'start',
        dose: { value: 50, unit: 'mg' },
        frequency: 'once daily',
        route: 'oral',
        effectiveDate: '2026-01-06',
        reason: 'Agreed at review',
        monitoring: null,
        changedBy: psychiatrist.sub,
        recordedAt: start.toISOString(),
        category: 'medications',
        amended: false,
        originalMessageId: sertralineStart.messageId,
      });
      // The amended start counts as amended; the entered-in-error bupropion not at all.
      expect(
        held.history.map((entry: Json) => [entry.action, entry.amended, entry.messageId, entry.originalMessageId]),
      ).toEqual([
        ['start', true, mirtazapineAmendment.messageId, mirtazapine.messageId],
        ['hold', false, expect.any(String), expect.any(String)],
      ]);
      expect(held).toMatchObject({ frequency: 'at night', statusSince: '2026-02-10' });
    });

    it('shows substance-use medications only under a consent naming them, with the 42 CFR 2.32 notice', async () => {
      const list = await listOf(careManager);
      expect(summary(list)).toEqual([
        ['buprenorphine/naloxone', 'active', 8],
        ['sertraline', 'active', 100],
        ['Mirtazapine', 'on_hold', 7.5],
      ]);
      expect(list.redisclosureNotice).toBe(REDISCLOSURE_NOTICE);
      expect((list.medications as Json[])[0].categories).toEqual(['substance_use']);
    });

    it('gives the care team every thread it takes part in, and nobody a thread they do not', async () => {
      const list = await listOf(therapist);
      expect(summary(list)).toEqual([
        ['buprenorphine/naloxone', 'active', 8],
        ['quetiapine', 'active', 25],
        ['sertraline', 'active', 100],
        ['Mirtazapine', 'on_hold', 7.5],
      ]);
      expect(list.redisclosureNotice).toBe(REDISCLOSURE_NOTICE);
    });

    it('is not_found for a provider without access, an admin, and a consent not naming medications', async () => {
      for (const who of [outsider, admin, primaryCare]) {
        expect({ who: who.name, reply: await call(who, 'GET', `/clients/${clientId}/medications`) }).toEqual({
          who: who.name,
          reply: NOT_FOUND,
        });
      }
      expect(await call(psychiatrist, 'GET', `/clients/${randomUUID()}/medications`)).toEqual(NOT_FOUND);
    });

    it('audits each read, and each refusal, with no clinical text', async () => {
      clock.advance(1_000);
      await listOf(careManager);
      await call(primaryCare, 'GET', `/clients/${clientId}/medications`);
      const records = (await gateway.db.dataSource.query(
        `SELECT actor_id, action, category, outcome, details FROM audit_records
         WHERE client_id = $1 AND occurred_at = $2 ORDER BY sequence`,
        [clientId, clock.now()],
      )) as Json[];
      expect(records).toEqual([
        {
          actor_id: careManager.sub,
          action: 'medication_list.read',
          category: 'substance_use',
          outcome: 'success',
          details: { basis: 'consent', count: 3, categories: ['medications', 'substance_use'] },
        },
        {
          actor_id: primaryCare.sub,
          action: 'access.refused',
          category: 'medications',
          outcome: 'refused',
          details: { permission: 'client.medications' },
        },
      ]);
      expect(JSON.stringify(records)).not.toMatch(/sertraline|buprenorphine|Agreed/i);
    });
  });

  describe('GET /api/clients/:clientId/measures', () => {
    beforeAll(async () => {
      clock.set(start);
      const scores = threads.symptoms;
      await send(therapist, scores, 'symptom_update', 'symptoms', {
        measures: [
          phq9([3, 3, 2, 2, 2, 2, 2, 2, 0], start),
          { instrument: 'GAD-7', score: 12, observedAt: start.toISOString() },
          { instrument: 'C-SSRS', items: [1, 0, 0, 0, 0, 0], score: 1, observedAt: start.toISOString() },
        ],
      });
      const week4 = new Date(start.getTime() + 4 * WEEK);
      await send(therapist, scores, 'symptom_update', 'symptoms', {
        measures: [phq9([3, 3, 3, 3, 3, 2, 2, 1, 1], week4)],
      });
      const wrong = await send(therapist, scores, 'symptom_update', 'symptoms', {
        measures: [phq9([3, 3, 3, 3, 3, 3, 3, 3, 3], week4)],
      });
      expect(
        (await call(therapist, 'POST', `/messages/${wrong.messageId}/entered-in-error`, { reason: 'Other client' }))
          .status,
      ).toBe(200);
    });

    const measuresOf = async (who: typeof therapist) => {
      const reply = await call(who, 'GET', `/clients/${clientId}/measures`);
      expect(reply.status).toBe(200);
      return reply.body;
    };
    const scores = (body: Json) =>
      (body.series as Json[]).map((series) => [series.instrument, series.points.map((point: Json) => point.score)]);

    it('gives each instrument a series by observedAt, with the severe and safety flags, and no entered-in-error score', async () => {
      clock.set(new Date(start.getTime() + 9 * WEEK));
      const measures = await measuresOf(psychiatrist);
      expect(scores(measures)).toEqual([
        ['PHQ-9', [18, 21]],
        ['GAD-7', [12]],
        ['C-SSRS', [1]],
      ]);
      expect((measures.series as Json[])[0].points.map((point: Json) => point.flags)).toEqual([
        [],
        ['severe', 'safety'],
      ]);
      expect(measures.phq9).toMatchObject({
        baseline: { score: 18, observedAt: start.toISOString() },
        latest: { score: 21 },
        response: 'too_early',
        windowStart: new Date(start.getTime() + 10 * WEEK).toISOString(),
        windowEnd: new Date(start.getTime() + 12 * WEEK).toISOString(),
        evaluated: null,
        flags: { severe: true, safety: true, notImproving: false },
      });
    });

    it('flags not improving at weeks 10 to 12 by the service clock, and counts an amendment in its place', async () => {
      clock.set(new Date(start.getTime() + 11 * WEEK));
      expect((await measuresOf(psychiatrist)).phq9.response).toBe('awaiting_measure');
      const week11 = clock.now();
      const posted = await send(therapist, threads.symptoms, 'symptom_update', 'symptoms', {
        measures: [phq9([2, 2, 1, 1, 1, 1, 2, 2, 0], week11)],
      });
      expect((await measuresOf(psychiatrist)).phq9).toMatchObject({
        response: 'not_improving',
        evaluated: { score: 12, messageId: posted.messageId },
        flags: { severe: false, safety: false, notImproving: true },
      });
      const amended = await call(therapist, 'POST', `/messages/${posted.messageId}/amend`, {
        clientMessageId: randomUUID(),
        body: { measures: [phq9([1, 1, 1, 1, 1, 1, 1, 1, 0], week11)] },
      });
      expect(amended.status).toBe(201);
      const measures = await measuresOf(psychiatrist);
      expect(scores(measures)[0]).toEqual(['PHQ-9', [18, 21, 8]]);
      expect(measures.phq9).toMatchObject({
        response: 'response',
        evaluated: { score: 8, amended: true, messageId: amended.body.amendment.messageId },
        flags: { notImproving: false },
      });
    });

    it('is not_found for a consent not naming symptoms, an admin and an outsider', async () => {
      for (const who of [careManager, primaryCare, admin, outsider]) {
        expect({ who: who.name, reply: await call(who, 'GET', `/clients/${clientId}/measures`) }).toEqual({
          who: who.name,
          reply: NOT_FOUND,
        });
      }
    });
  });

  describe('bad input', () => {
    it('is invalid for a malformed client id or any query parameter, and changes nothing', async () => {
      const before = await footprint();
      for (const path of [
        '/clients/not-a-uuid/medications',
        '/clients/not-a-uuid/measures',
        `/clients/${clientId}/medications?limit=5`,
        `/clients/${clientId}/measures?instrument=PHQ-9`,
      ]) {
        const reply = await call(therapist, 'GET', path);
        expect({ path, status: reply.status, code: reply.body.error?.code }).toEqual({
          path,
          status: 400,
          code: 'invalid',
        });
      }
      expect(await footprint()).toEqual(before);
    });
  });

  describe('under emergency access', () => {
    it('reads every thread, substance use included, read-only', async () => {
      const opened = await call(outsider, 'POST', `/clients/${clientId}/emergency-access`, {
        reason: 'Crisis line reports overdose risk; on-call needs the medication list.',
      });
      expect(opened.status).toBe(201);
      const list = await call(outsider, 'GET', `/clients/${clientId}/medications`);
      expect(list.status).toBe(200);
      expect((list.body.medications as Json[]).map((entry) => entry.name).sort()).toEqual([
        'Mirtazapine',
        'buprenorphine/naloxone',
        'quetiapine',
        'sertraline',
      ]);
      expect(list.body.redisclosureNotice).toBe(REDISCLOSURE_NOTICE);
      expect((await call(outsider, 'GET', `/clients/${clientId}/measures`)).status).toBe(200);
    });
  });
});
