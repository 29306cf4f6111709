import { randomUUID } from 'node:crypto';
import type { Socket as ClientSocket } from 'socket.io-client';
import { CRISIS_LINE_ITEM, planToJson, VERSION_LABEL_MAX } from '@sharedcare/safety-plan';
import {
  apiAs,
  grantConsent,
  type Json,
  registerClient,
  type TestProvider,
  testProvider,
} from '../../../../test/support/api.js';
import { connectOutcome, startTestGateway, type TestGateway } from '../../../../test/support/gateway-app.js';
import { editPlan, joinPlan, type PlanEditor, planItem } from '../../../../test/support/safety-plan.js';

const org = randomUUID();
const therapist = testProvider('therapist', org, 'Dana Reyes', 'LCSW');
const psychiatrist = testProvider('psychiatrist', org, 'Sam Okafor', 'MD');
const primaryCare = testProvider('primary_care', org, 'Lee Park', 'MD');
const onCall = testProvider('psychiatrist', org, 'Ria Shah', 'MD');
const outsider = testProvider('therapist', org, 'Alex Kim', 'LPC');
const admin = testProvider('admin', org, 'Org Admin', 'other');
const LABEL = 'Reviewed with the client on 12 March';

/** Named versions of the safety plan, read back and compared section by section (issue 5). */
describe('safety plan named versions', () => {
  let gateway: TestGateway;
  let call: ReturnType<typeof apiAs>;
  let clientId: string;
  let dana: PlanEditor;
  let reviewed: Json;

  const base = () => `/clients/${clientId}/safety-plan`;
  const stored = async () =>
    (await gateway.db.dataSource.query(
      `SELECT (SELECT count(*)::int FROM safety_plan_versions) AS versions,
              (SELECT count(*)::int FROM safety_plan_updates) AS updates`,
    )) as Json[];

  async function connect(provider: TestProvider): Promise<ClientSocket> {
    const socket = gateway.socket({ auth: { token: await gateway.issuer.mint({ claims: { ...provider } }) } });
    expect(await connectOutcome(socket)).toEqual({ connected: true });
    return socket;
  }

  beforeAll(async () => {
    gateway = await startTestGateway({ config: { socketEventBudget: 1_000 } });
    call = apiAs(gateway);
    for (const provider of [psychiatrist, primaryCare, onCall, outsider, admin]) await call(provider, 'GET', '/me');
    clientId = await registerClient(call, therapist);
    const until = new Date(Date.now() + 86_400_000);
    await grantConsent(call, therapist, clientId, [psychiatrist.sub], ['general', 'safety_plan'], until);
    await grantConsent(call, therapist, clientId, [primaryCare.sub], ['general', 'medications'], until);
    dana = await joinPlan(await connect(therapist), clientId);
    for (const change of [
      (s: Parameters<Parameters<typeof editPlan>[1]>[0]) =>
        s.get('warning_signs')!.push([planItem({ text: 'Not sleeping' })]),
      (s: Parameters<Parameters<typeof editPlan>[1]>[0]) =>
        s.get('support_contacts')!.push([planItem({ text: 'Sister', name: 'Ana', phone: '555-0100' })]),
      (s: Parameters<Parameters<typeof editPlan>[1]>[0]) =>
        s.get('coping_strategies')!.push([planItem({ text: 'Walk the dog' })]),
    ]) {
      expect(await editPlan(dana, change)).toMatchObject({ ok: true });
    }
  });
  afterAll(async () => {
    dana?.socket.disconnect();
    await gateway?.stop();
  });

  it('names the plan as it stands, keeps the label sealed, and reads it back as it was after later edits', async () => {
    const named = await call(psychiatrist, 'POST', `${base()}/named-versions`, { label: `  ${LABEL} ` });
    expect(named).toEqual({
      status: 201,
      body: {
        id: expect.any(String),
        clientId,
        seq: 3,
        label: LABEL,
        authorId: psychiatrist.sub,
        createdAt: expect.any(String),
      },
    });
    reviewed = named.body;
    const at3 = planToJson(dana.doc);

    // Later edits: one item changed, one removed, one added.
    expect(
      await editPlan(dana, (s) => s.get('warning_signs')!.get(0).set('text', 'Not sleeping, pacing at night')),
    ).toMatchObject({ ok: true });
    expect(await editPlan(dana, (s) => s.get('coping_strategies')!.delete(0, 1))).toMatchObject({ ok: true });
    expect(
      await editPlan(dana, (s) => s.get('reasons_for_living')!.push([planItem({ text: 'My daughter' })])),
    ).toMatchObject({ ok: true });

    const read = await call(therapist, 'GET', `${base()}/named-versions/${reviewed.id}`);
    expect(read).toEqual({ status: 200, body: { ...reviewed, sections: at3 } });
    expect((await call(therapist, 'GET', base())).body.sections).toEqual(planToJson(dana.doc));

    const list = await call(psychiatrist, 'GET', `${base()}/named-versions`);
    expect(list).toEqual({ status: 200, body: { clientId, versions: [reviewed] } });

    // At rest: neither the label nor the plan's text is readable in the table.
    const rows = (await gateway.db.dataSource.query(`SELECT * FROM safety_plan_versions`)) as Json[];
    expect(rows).toHaveLength(1);
    const dump = JSON.stringify(rows);
    for (const text of ['Reviewed', 'March', 'Not sleeping', 'Sister', '555-0100']) expect(dump).not.toContain(text);

    const audited = (await gateway.db.dataSource.query(
      `SELECT action, actor_id AS "actorId", category, details->>'versionId' AS "versionId" FROM audit_records
        WHERE client_id = $1 AND action LIKE 'safety_plan.version%' ORDER BY sequence`,
      [clientId],
    )) as Json[];
    expect(audited).toEqual([
      {
        action: 'safety_plan.version_named',
        actorId: psychiatrist.sub,
        category: 'safety_plan',
        versionId: reviewed.id,
      },
      { action: 'safety_plan.version_read', actorId: therapist.sub, category: 'safety_plan', versionId: reviewed.id },
      { action: 'safety_plan.versions_read', actorId: psychiatrist.sub, category: 'safety_plan', versionId: null },
    ]);
  });

  it('compares two points section by section: items added, removed and changed', async () => {
    const compared = await call(therapist, 'GET', `${base()}/compare?from=${reviewed.id}`);
    expect(compared.status).toBe(200);
    expect(compared.body.from).toEqual({ seq: 3, versionId: reviewed.id });
    expect(compared.body.to).toEqual({ seq: 6, versionId: null });
    const bySection = Object.fromEntries(
      (compared.body.sections as Json[]).map((section) => [
        section.id,
        [section.added, section.removed, section.changed, section.unchanged],
      ]),
    );
    expect(bySection).toEqual({
      warning_signs: [
        [],
        [],
        [{ before: { text: 'Not sleeping' }, after: { text: 'Not sleeping, pacing at night' } }],
        0,
      ],
      coping_strategies: [[], [{ text: 'Walk the dog' }], [], 0],
      distractions: [[], [], [], 0],
      support_contacts: [[], [], [], 1],
      crisis_contacts: [[], [], [], 1],
      environment_safety: [[], [], [], 0],
      reasons_for_living: [[{ text: 'My daughter' }], [], [], 0],
    });

    // From the new plan (seq 0) to the named version, and between two sequences.
    const fromStart = await call(psychiatrist, 'GET', `${base()}/compare?from=0&to=${reviewed.id}`);
    expect(fromStart.body.sections.map((section: Json) => section.added.length)).toEqual([1, 1, 0, 1, 0, 0, 0]);
    expect(fromStart.body.sections[4]).toMatchObject({ added: [], removed: [], unchanged: 1 });
    const between = await call(psychiatrist, 'GET', `${base()}/compare?from=4&to=5`);
    expect(between.body.sections[1].removed).toEqual([{ text: 'Walk the dog' }]);
    expect(between.body.from).toEqual({ seq: 4, versionId: null });
    const same = await call(psychiatrist, 'GET', `${base()}/compare?from=current&to=current`);
    expect(
      same.body.sections.every(
        (section: Json) => section.added.length + section.removed.length + section.changed.length === 0,
      ),
    ).toBe(true);
    expect(same.body.sections[4]).toMatchObject({ heading: expect.any(String), unchanged: 1 });
  });

  it('answers bad input with invalid naming the field, and stores nothing', async () => {
    const before = await stored();
    const invalid = (field: string) => ({
      status: 400,
      body: { error: expect.objectContaining({ code: 'invalid', details: [expect.objectContaining({ field })] }) },
    });
    for (const body of [
      { label: '' },
      { label: '   ' },
      { label: 'x'.repeat(VERSION_LABEL_MAX + 1) },
      { label: 3 },
      {},
    ]) {
      expect(await call(therapist, 'POST', `${base()}/named-versions`, body as Json)).toEqual(invalid('label'));
    }
    expect(await call(therapist, 'POST', `${base()}/named-versions`, { label: 'ok', seq: 2 })).toMatchObject({
      status: 400,
    });
    expect(await call(therapist, 'POST', `${base()}/named-versions`, { label: 'a\u0000b' })).toMatchObject({
      status: 400,
    });
    expect(
      await call(therapist, 'POST', `${base()}/named-versions`, { label: 'x'.repeat(VERSION_LABEL_MAX) }),
    ).toMatchObject({ status: 201 });
    const afterLongest = await stored();
    expect(afterLongest).toEqual([{ ...before[0], versions: before[0].versions + 1 }]);

    expect(await call(therapist, 'GET', `${base()}/compare?from=${randomUUID()}`)).toEqual(invalid('from'));
    expect(await call(therapist, 'GET', `${base()}/compare?from=1&to=${randomUUID()}`)).toEqual(invalid('to'));
    expect(await call(therapist, 'GET', `${base()}/compare?from=99`)).toEqual(invalid('from'));
    expect(await call(therapist, 'GET', `${base()}/compare?from=-1`)).toEqual(invalid('from'));
    expect(await call(therapist, 'GET', `${base()}/compare?from=latest`)).toEqual(invalid('from'));
    expect(await call(therapist, 'GET', `${base()}/compare`)).toEqual(invalid('from'));
    expect(await call(therapist, 'GET', `${base()}/compare?from=1&extra=2`)).toMatchObject({ status: 400 });
    expect(await call(therapist, 'GET', `${base()}/named-versions/not-a-uuid`)).toEqual(invalid('versionId'));
    expect(await call(therapist, 'GET', `${base()}/named-versions?limit=2`)).toMatchObject({ status: 400 });
    // A version that is not one of this plan's is not found.
    expect(await call(therapist, 'GET', `${base()}/named-versions/${randomUUID()}`)).toMatchObject({ status: 404 });
    const other = await registerClient(call, therapist);
    expect(await call(therapist, 'GET', `/clients/${other}/safety-plan/named-versions/${reviewed.id}`)).toMatchObject({
      status: 404,
    });
    expect(await call(therapist, 'GET', `/clients/${other}/safety-plan/compare?from=${reviewed.id}`)).toEqual(
      invalid('from'),
    );
    expect(await stored()).toEqual(afterLongest);
    expect((await call(therapist, 'GET', base())).body.sections[4].items).toEqual([{ ...CRISIS_LINE_ITEM }]);
  });

  it('follows the plan’s access decision: not_found for outsiders, recipients without safety_plan and admins', async () => {
    const before = await stored();
    const routes: [string, string, Json?][] = [
      ['POST', `${base()}/named-versions`, { label: LABEL }],
      ['GET', `${base()}/named-versions`],
      ['GET', `${base()}/named-versions/${reviewed.id}`],
      ['GET', `${base()}/compare?from=0`],
    ];
    for (const who of [outsider, primaryCare, admin]) {
      for (const [method, path, body] of routes) {
        const reply = await call(who, method, path, body);
        expect({ who: who.name, path, status: reply.status, code: reply.body.error?.code }).toEqual({
          who: who.name,
          path,
          status: 404,
          code: 'not_found',
        });
      }
    }
    // An emergency reader may read and compare, not name.
    expect(
      (
        await call(onCall, 'POST', `/clients/${clientId}/emergency-access`, {
          reason: 'Imminent risk reported by the client',
        })
      ).status,
    ).toBe(201);
    expect((await call(onCall, 'GET', `${base()}/named-versions`)).status).toBe(200);
    expect((await call(onCall, 'GET', `${base()}/compare?from=${reviewed.id}`)).status).toBe(200);
    expect((await call(onCall, 'POST', `${base()}/named-versions`, { label: LABEL })).status).toBe(404);
    expect(await stored()).toEqual(before);
  });
});
