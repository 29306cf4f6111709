import { randomUUID } from 'node:crypto';
import { FixedClock } from '@sharedcare/common';
import type { Bundle, OperationOutcome, Resource } from '@medplum/fhirtypes';
import {
  apiAs,
  grantConsent,
  type Json,
  openThread,
  registerClient,
  type TestProvider,
  testProvider,
} from '../../../../test/support/api.js';
import { fhirErrors } from '../../../../test/support/fhir-validation.js';
import { startTestGateway, type TestGateway } from '../../../../test/support/gateway-app.js';

const org = randomUUID();
const therapist = testProvider('therapist', org, 'Dana Reyes', 'LCSW');
const psychiatrist = testProvider('psychiatrist', org, 'Sam Okafor', 'MD');
const careManager = testProvider('care_manager', org, 'Ria Banerjee', 'RN');
const outsider = testProvider('therapist', org, 'Alex Kim', 'LPC');
const admin = testProvider('admin', org, 'Ana Costa');

const DAY = 86_400_000;
const TYPES = [
  'AuditEvent',
  'CarePlan',
  'Communication',
  'Consent',
  'MedicationStatement',
  'Observation',
  'ServiceRequest',
];
const PART2 = [
  { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: '42CFRPart2', display: '42 CFR Part2' },
  { system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R', display: 'restricted' },
  {
    system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
    code: 'NORDSCLCD',
    display: 'no redisclosure without consent directive',
  },
];
const outcome = (code: string, issueType: string) => ({
  resourceType: 'OperationOutcome',
  issue: [
    expect.objectContaining({
      severity: 'error',
      code: issueType,
      details: { coding: [{ system: 'urn:sharedcare:code-system:error-code', code }], text: expect.any(String) },
    }),
  ],
});

interface FhirReply {
  status: number;
  contentType: string | null;
  body: Json;
}

describe('FHIR R4 export', () => {
  const clock = new FixedClock(new Date('2026-01-05T09:00:00Z'));
  let gateway: TestGateway;
  let call: ReturnType<typeof apiAs>;
  let clientId: string;
  const sent: Record<string, Json> = {};

  async function fhir(who: TestProvider | null, path: string): Promise<FhirReply> {
    const token = who
      ? await gateway.issuer.mint({ claims: { ...who }, nowSeconds: Math.floor(clock.now().getTime() / 1000) })
      : undefined;
    const response = await fetch(`${gateway.url}/fhir/R4/${path}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    return {
      status: response.status,
      contentType: response.headers.get('content-type'),
      body: (await response.json()) as Json,
    };
  }
  /** Every export answered to `who`, each checked by the validator, by resource type. */
  async function exportAll(who: TestProvider, types = TYPES): Promise<Record<string, Resource[]>> {
    const bundles: Record<string, Resource[]> = {};
    for (const type of types) {
      const reply = await fhir(who, `${type}?patient=${clientId}`);
      expect({ type, status: reply.status, contentType: reply.contentType }).toEqual({
        type,
        status: 200,
        contentType: 'application/fhir+json; charset=utf-8',
      });
      const bundle = reply.body as Bundle;
      expect({ type, errors: fhirErrors(bundle) }).toEqual({ type, errors: [] });
      expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: bundle.entry?.length ?? 0 });
      bundles[type] = (bundle.entry ?? []).map((entry) => entry.resource as Resource);
      expect({ type, types: [...new Set(bundles[type].map((resource) => resource.resourceType))] }).toEqual({
        type,
        types: bundles[type].length > 0 ? [type] : [],
      });
    }
    return bundles;
  }
  const send = async (who: TestProvider, threadId: string, kind: string, category: string, body: Json) => {
    const reply = await call(who, 'POST', `/threads/${threadId}/messages`, {
      clientMessageId: randomUUID(),
      kind,
      category,
      body,
    });
    if (reply.status !== 201) throw new Error(`not sent: ${reply.status} ${JSON.stringify(reply.body)}`);
    return reply.body;
  };
  const footprint = () =>
    gateway.db.dataSource.query(
      `SELECT (SELECT count(*)::int FROM messages) AS messages, (SELECT count(*)::int FROM consents) AS consents,
         (SELECT count(*)::int FROM referrals) AS referrals, (SELECT count(*)::int FROM threads) AS threads`,
    );

  beforeAll(async () => {
    gateway = await startTestGateway({ clock });
    call = apiAs(gateway, clock);
    for (const provider of [psychiatrist, careManager, outsider, admin]) await call(provider, 'GET', '/me');
    clientId = await registerClient(call, therapist);
    const until = new Date(clock.now().getTime() + 365 * DAY);
    await grantConsent(
      call,
      therapist,
      clientId,
      [psychiatrist.sub],
      ['general', 'symptoms', 'medications', 'safety_plan'],
      until,
    );
    await grantConsent(
      call,
      therapist,
      clientId,
      [careManager.sub],
      ['general', 'medications', 'substance_use'],
      until,
    );
    const shared = await openThread(call, therapist, clientId, [psychiatrist.sub], 'Shared care');
    const moud = await openThread(call, therapist, clientId, [careManager.sub], 'MOUD');
    sent.note = await send(therapist, shared, 'note', 'general', { text: 'Sleeping better this week.' });
    sent.wrong = await send(therapist, shared, 'note', 'general', { text: 'Wrong client.' });
    expect(
      (await call(therapist, 'POST', `/messages/${sent.wrong.messageId}/entered-in-error`, { reason: 'Wrong client' }))
        .status,
    ).toBe(200);
    sent.sertraline = await send(psychiatrist, shared, 'medication_change', 'medications', {
      action: 'start',
      medication: { name: 'sertraline', rxnormCode: '36437' },
      dose: { value: 50, unit: 'mg' },
      frequency: 'once daily',
      route: 'oral',
      effectiveDate: '2026-01-06',
      reason: 'Moderate depression',
    });
    sent.scores = await send(therapist, shared, 'symptom_update', 'symptoms', {
      measures: [
        { instrument: 'PHQ-9', items: [3, 3, 3, 3, 2, 2, 2, 1, 1], score: 20, observedAt: clock.now().toISOString() },
        { instrument: 'GAD-7', score: 11, observedAt: clock.now().toISOString() },
        { instrument: 'C-SSRS', items: [1, 1, 0, 0, 0, 0], score: 2, observedAt: clock.now().toISOString() },
      ],
    });
    sent.referral = await send(therapist, shared, 'referral', 'general', {
      direction: 'to_psychiatry',
      reasons: ['severe_or_persistent_symptoms', 'suicidal_thoughts_or_self_harm'],
      urgency: 'soon',
      notes: 'PHQ-9 of 20 today.',
    });
    await send(psychiatrist, shared, 'referral', 'general', {
      referralMessageId: sent.referral.messageId,
      status: 'accepted',
    });
    sent.buprenorphine = await send(therapist, moud, 'medication_change', 'substance_use', {
      action: 'start',
      medication: { name: 'buprenorphine/naloxone' },
      dose: { value: 8, unit: 'mg' },
      effectiveDate: '2026-01-06',
      reason: 'Opioid use disorder',
    });
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('has a validator that finds what is wrong (so the checks below can fail)', () => {
    expect(fhirErrors({ resourceType: 'Observation', status: 'final' } as Resource)).toEqual([
      expect.objectContaining({ resourceType: 'Observation', issue: expect.stringContaining('Observation.code') }),
    ]);
    const extra = { resourceType: 'Patient', birthDate: 'yesterday', nickname: 'x' } as unknown as Resource;
    expect(fhirErrors(extra).length).toBeGreaterThanOrEqual(2);
  });

  it('exports every resource type the care team may read, each one valid FHIR R4', async () => {
    const bundles = await exportAll(therapist);
    const patient = { reference: `Patient/${clientId}` };
    expect(bundles.Observation.map((observation) => (observation as Json).code.coding[0])).toEqual([
      expect.objectContaining({ system: 'http://loinc.org', code: '44261-6' }),
      expect.objectContaining({ system: 'http://loinc.org', code: '70274-6' }),
      expect.objectContaining({ system: 'urn:sharedcare:code-system:measure', code: 'c-ssrs-screener-yes-count' }),
    ]);
    expect(bundles.Observation[0]).toMatchObject({
      status: 'final',
      subject: patient,
      valueInteger: 20,
      interpretation: [{ text: 'severe' }, { text: 'safety' }],
      derivedFrom: [{ reference: `Communication/${sent.scores.messageId}` }],
    });
    expect(bundles.MedicationStatement.map((statement) => (statement as Json).medicationCodeableConcept)).toEqual([
      { text: 'buprenorphine/naloxone' },
      { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '36437' }], text: 'sertraline' },
    ]);
    expect(bundles.MedicationStatement[1]).toMatchObject({
      status: 'active',
      subject: patient,
      dosage: [{ text: '50 mg, once daily, oral', doseAndRate: [{ doseQuantity: { value: 50, unit: 'mg' } }] }],
    });
    expect(bundles.ServiceRequest).toEqual([
      expect.objectContaining({
        id: sent.referral.messageId,
        status: 'active',
        intent: 'order',
        priority: 'urgent',
        subject: patient,
        requester: { reference: `Practitioner/${therapist.sub}` },
      }),
    ]);
    expect(bundles.Consent.map((consent) => (consent as Json).patient)).toEqual([patient, patient]);
    // Every message but thread notices; the one entered in error says so.
    const statuses = Object.fromEntries(bundles.Communication.map((c) => [c.id, (c as Json).status]));
    expect(statuses[sent.note.messageId]).toBe('completed');
    expect(statuses[sent.wrong.messageId]).toBe('entered-in-error');
    expect(bundles.Communication).toHaveLength(7);
    expect(bundles.AuditEvent.length).toBeGreaterThan(10);
    // The safety plan as it stands: a new plan holds the 988 line, in the crisis step.
    expect(bundles.CarePlan).toEqual([
      expect.objectContaining({
        id: clientId,
        status: 'active',
        intent: 'plan',
        subject: patient,
        meta: { versionId: '0' },
        activity: [
          {
            detail: {
              code: { coding: [expect.objectContaining({ code: 'crisis_contacts' })] },
              status: 'in-progress',
              description: expect.stringMatching(/^988 Suicide & Crisis Lifeline \(988\): Call or text 988/),
            },
          },
        ],
      }),
    ]);
  });

  it('labels substance-use data for 42 CFR Part 2, and exports it only under a consent naming it', async () => {
    // The care manager's consent names neither symptoms nor the safety plan: no Observations, no CarePlan.
    const manager = await exportAll(
      careManager,
      TYPES.filter((type) => type !== 'Observation' && type !== 'CarePlan'),
    );
    expect(await fhir(careManager, `CarePlan?patient=${clientId}`)).toMatchObject({
      status: 404,
      body: outcome('not_found', 'not-found'),
    });
    expect(await fhir(careManager, `Observation?patient=${clientId}`)).toMatchObject({
      status: 404,
      body: outcome('not_found', 'not-found'),
    });
    const moudChange = manager.Communication.find((resource) => resource.id === sent.buprenorphine.messageId);
    expect(moudChange?.meta?.security).toEqual(PART2);
    expect(manager.MedicationStatement.find((resource) => resource.meta)?.meta?.security).toEqual(PART2);
    expect(manager.Consent.map((consent) => consent.meta?.security ?? null)).toEqual([PART2]);

    const psych = await exportAll(psychiatrist);
    const everything = JSON.stringify(psych);
    expect(everything).not.toContain('buprenorphine');
    expect(everything).not.toContain('42CFRPart2');
    expect(psych.MedicationStatement).toHaveLength(1);
    // Part 2 scoping of the accounting of disclosures, as in GET access-report.
    expect(psych.AuditEvent.length).toBeGreaterThan(0);
  });

  it('gives admins consents and audit events only, and a provider without access a FHIR not-found', async () => {
    for (const type of TYPES) {
      const reply = await fhir(outsider, `${type}?patient=${clientId}`);
      expect({ type, status: reply.status, body: reply.body }).toEqual({
        type,
        status: 404,
        body: outcome('not_found', 'not-found'),
      });
      expect(fhirErrors(reply.body as OperationOutcome)).toEqual([]);
      const asAdmin = await fhir(admin, `${type}?patient=${clientId}`);
      expect({ type, status: asAdmin.status }).toEqual({
        type,
        status: ['Consent', 'AuditEvent'].includes(type) ? 200 : 404,
      });
    }
    const unknown = await fhir(therapist, `Observation?patient=${randomUUID()}`);
    expect(unknown).toMatchObject({ status: 404, body: outcome('not_found', 'not-found') });
    const anonymous = await fhir(null, `Observation?patient=${clientId}`);
    expect(anonymous).toMatchObject({ status: 401, body: outcome('unauthenticated', 'login') });
  });

  it('writes one fhir.export audit record per export', async () => {
    clock.advance(1_000);
    for (const type of TYPES) {
      const expected = type === 'Observation' || type === 'CarePlan' ? 404 : 200;
      expect({ type, status: (await fhir(careManager, `${type}?patient=${clientId}`)).status }).toEqual({
        type,
        status: expected,
      });
    }
    const records = (await gateway.db.dataSource.query(
      `SELECT action, details->>'resourceType' AS type, category FROM audit_records
       WHERE actor_id = $1 AND occurred_at = $2 ORDER BY sequence`,
      [careManager.sub, clock.now()],
    )) as Json[];
    expect(records).toEqual([
      { action: 'fhir.export', type: 'AuditEvent', category: null },
      { action: 'access.refused', type: null, category: 'safety_plan' },
      { action: 'fhir.export', type: 'Communication', category: 'substance_use' },
      { action: 'fhir.export', type: 'Consent', category: null },
      { action: 'fhir.export', type: 'MedicationStatement', category: 'substance_use' },
      { action: 'access.refused', type: null, category: 'symptoms' },
      { action: 'fhir.export', type: 'ServiceRequest', category: null },
    ]);
  });

  it('answers bad input with a FHIR OperationOutcome, invalid, and changes nothing', async () => {
    const before = await footprint();
    for (const path of [
      'Observation',
      'Observation?patient=not-a-uuid',
      `Observation?patient=${clientId}&_count=5`,
      `Observation?patient=${clientId}&patient=${clientId}`,
      `Patient?patient=${clientId}`,
      'CarePlan?patient=not-a-uuid',
      `CarePlan?patient=${clientId}&_count=1`,
      `Appointment?patient=${clientId}`,
    ]) {
      const reply = await fhir(therapist, path);
      expect({ path, status: reply.status, contentType: reply.contentType }).toEqual({
        path,
        status: 400,
        contentType: 'application/fhir+json; charset=utf-8',
      });
      expect(reply.body).toEqual(outcome('invalid', 'invalid'));
      expect(fhirErrors(reply.body as OperationOutcome)).toEqual([]);
    }
    expect((await fhir(therapist, 'Observation?patient=bad')).body.issue[0].expression).toEqual(['patient']);
    expect((await fhir(therapist, `Observation?patient=Patient/${clientId}`)).status).toBe(200);
    expect(await footprint()).toEqual(before);
  });
});
