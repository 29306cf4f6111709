import { randomUUID } from 'node:crypto';
import type { Socket as ClientSocket } from 'socket.io-client';
import { applyAwarenessUpdate, Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { CRISIS_LINE_ITEM, planToJson, SNAPSHOT_EVERY } from '@sharedcare/safety-plan';
import {
  apiAs,
  grantConsent,
  type Json,
  registerClient,
  type TestProvider,
  testProvider,
} from '../../../../test/support/api.js';
import { connectOutcome, startTestGateway, type TestGateway } from '../../../../test/support/gateway-app.js';
import {
  editPlan,
  joinPlan,
  heardUpdates,
  planItem,
  type PlanSections,
  planUpdate,
  sendEdits,
  FREE_SECTIONS,
} from '../../../../test/support/safety-plan.js';
import { ConsultGateway, planRoom } from '../consult/consult.gateway.js';
import { MAX_AWARENESS_BASE64, MAX_UPDATE_BASE64 } from './safety-plan.dto.js';

const org = randomUUID();
const therapist = testProvider('therapist', org, 'Dana Reyes', 'LCSW');
const psychiatrist = testProvider('psychiatrist', org, 'Sam Okafor', 'MD');
const primaryCare = testProvider('primary_care', org, 'Lee Park', 'MD');
const onCall = testProvider('psychiatrist', org, 'Ria Shah', 'MD');
const outsider = testProvider('therapist', org, 'Alex Kim', 'LPC');
const admin = testProvider('admin', org, 'Org Admin', 'other');
const NOT_FOUND = { ok: false, error: { code: 'not_found', message: 'Not found' } };

/** The shared safety plan over the real `/consult` gateway and REST routes (issue 5). */
describe('the shared safety plan', () => {
  let gateway: TestGateway;
  let call: ReturnType<typeof apiAs>;
  let clientId: string;
  let consentId: string;

  async function connect(provider: TestProvider, on: TestGateway = gateway): Promise<ClientSocket> {
    const socket = on.socket({ auth: { token: await on.issuer.mint({ claims: { ...provider } }) } });
    expect(await connectOutcome(socket)).toEqual({ connected: true });
    return socket;
  }

  const updateRows = async (id: string) =>
    (await gateway.db.dataSource.query(`SELECT seq FROM safety_plan_updates WHERE client_id = $1`, [id])) as unknown[];

  beforeAll(async () => {
    gateway = await startTestGateway({ config: { socketEventBudget: 1_000 } });
    call = apiAs(gateway);
    for (const provider of [psychiatrist, primaryCare, onCall, outsider, admin]) await call(provider, 'GET', '/me');
    clientId = await registerClient(call, therapist);
    const expiresAt = new Date(Date.now() + 86_400_000);
    consentId = await grantConsent(
      call,
      therapist,
      clientId,
      [psychiatrist.sub],
      ['general', 'safety_plan'],
      expiresAt,
    );
    await grantConsent(call, therapist, clientId, [primaryCare.sub], ['general', 'medications'], expiresAt);
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('starts every plan with its seven sections and 988, the same over the socket and REST', async () => {
    const dana = await joinPlan(await connect(therapist), clientId);
    const plan = planToJson(dana.doc);
    expect(plan[4].items).toEqual([{ ...CRISIS_LINE_ITEM }]);
    const rest = await call(therapist, 'GET', `/clients/${clientId}/safety-plan`);
    expect(rest).toEqual({ status: 200, body: { clientId, seq: 0, sections: plan } });
    dana.socket.disconnect();
  });

  it('lets two editors change it at the same time and converge, each change acknowledged then relayed', async () => {
    const dana = await joinPlan(await connect(therapist), clientId);
    const sam = await joinPlan(await connect(psychiatrist), clientId);
    // Both edit from the same state before hearing the other: a true concurrent edit.
    const fromDana = planUpdate(dana.doc, (s) =>
      s.get('warning_signs')!.push([planItem({ text: 'Stops answering texts' })]),
    );
    const fromSam = planUpdate(sam.doc, (s) =>
      s.get('support_contacts')!.push([planItem({ text: 'Brother', name: 'Chris', phone: '555-0101' })]),
    );
    const samHears = heardUpdates(sam, 1);
    const danaHears = heardUpdates(dana, 1);
    const [a, b] = await Promise.all([
      dana.socket.emitWithAck('safetyPlan.update', { clientId, update: fromDana }),
      sam.socket.emitWithAck('safetyPlan.update', { clientId, update: fromSam }),
    ]);
    expect([a.ok, b.ok]).toEqual([true, true]);
    expect([a.seq, b.seq].sort()).toEqual([1, 2]);
    Y.applyUpdate(dana.doc, Buffer.from(fromDana, 'base64'));
    Y.applyUpdate(sam.doc, Buffer.from(fromSam, 'base64'));
    await Promise.all([samHears, danaHears]);
    expect(dana.heard).toEqual([psychiatrist.sub]);
    expect(sam.heard).toEqual([therapist.sub]);
    expect(planToJson(dana.doc)).toEqual(planToJson(sam.doc));
    const rest = await call(therapist, 'GET', `/clients/${clientId}/safety-plan`);
    expect(rest.body.sections).toEqual(planToJson(dana.doc));
    expect(rest.body.sections[0].items).toEqual([{ text: 'Stops answering texts' }]);
    expect(rest.body.sections[3].items).toEqual([{ text: 'Brother', name: 'Chris', phone: '555-0101' }]);

    const versions = await call(psychiatrist, 'GET', `/clients/${clientId}/safety-plan/versions`);
    expect(versions.status).toBe(200);
    expect(versions.body.changes.map((change: { seq: number }) => change.seq)).toEqual([2, 1]);
    expect(
      versions.body.changes.map((change: { authorId: string; sections: string[] }) => [
        change.authorId,
        change.sections,
      ]),
    ).toEqual(
      expect.arrayContaining([
        [therapist.sub, ['warning_signs']],
        [psychiatrist.sub, ['support_contacts']],
      ]),
    );
    const page = await call(psychiatrist, 'GET', `/clients/${clientId}/safety-plan/versions?limit=1`);
    expect(page.body).toEqual({ clientId, changes: [versions.body.changes[0]], nextBefore: 2 });
    const rest2 = await call(psychiatrist, 'GET', `/clients/${clientId}/safety-plan/versions?limit=1&before=2`);
    expect(rest2.body.changes).toEqual([versions.body.changes[1]]);
    for (const editor of [dana, sam]) editor.socket.disconnect();
  });

  it('refuses an invalid update with invalid: nothing stored, nothing relayed, the plan as it was', async () => {
    const dana = await joinPlan(await connect(therapist), clientId);
    const sam = await joinPlan(await connect(psychiatrist), clientId);
    const before = await call(therapist, 'GET', `/clients/${clientId}/safety-plan`);
    const rows = (await updateRows(clientId)).length;
    const refused: ((sections: PlanSections) => void)[] = [
      (s) => s.set('diary', new Y.Array<Y.Map<unknown>>()),
      (s) => s.get('warning_signs')!.push([planItem({ text: 'x'.repeat(501) })]),
      (s) => s.get('crisis_contacts')!.delete(0, 1),
      (s) => s.get('coping_strategies')!.push(Array.from({ length: 31 }, (_, n) => planItem({ text: `walk ${n}` }))),
    ];
    for (const change of refused) {
      const answer = await editPlan(dana, change);
      expect(answer).toEqual({ ok: false, error: expect.objectContaining({ code: 'invalid' }) });
    }
    expect(await dana.socket.emitWithAck('safetyPlan.update', { clientId, update: 'AAECAwQFBgc=' })).toEqual({
      ok: false,
      error: expect.objectContaining({ code: 'invalid' }),
    });
    expect(await dana.socket.emitWithAck('safetyPlan.update', { clientId, update: 'not base64!' })).toEqual({
      ok: false,
      error: expect.objectContaining({ code: 'invalid' }),
    });
    // A valid one afterwards is the first thing Sam hears.
    const heard = heardUpdates(sam, 1);
    expect(
      await editPlan(dana, (s) => s.get('reasons_for_living')!.push([planItem({ text: 'My dog' })])),
    ).toMatchObject({
      ok: true,
    });
    await heard;
    expect(sam.heard).toEqual([therapist.sub]);
    expect((await updateRows(clientId)).length).toBe(rows + 1);
    const after = await call(therapist, 'GET', `/clients/${clientId}/safety-plan`);
    expect(after.body.sections.slice(0, 6)).toEqual(before.body.sections.slice(0, 6));
    expect(after.body.sections[6].items).toEqual([{ text: 'My dog' }]);
    for (const editor of [dana, sam]) editor.socket.disconnect();
  });

  it('answers a printable page, everything escaped, to a browser asking for HTML', async () => {
    const dana = await joinPlan(await connect(therapist), clientId);
    expect(
      await editPlan(dana, (s) => s.get('environment_safety')!.push([planItem({ text: '<b>Lock</b> the cabinet' })])),
    ).toMatchObject({ ok: true });
    const token = await gateway.issuer.mint({ claims: { ...psychiatrist } });
    const page = await fetch(`${gateway.url}/api/clients/${clientId}/safety-plan`, {
      headers: { authorization: `Bearer ${token}`, accept: 'text/html,application/xhtml+xml,*/*;q=0.8' },
    });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'unsafe-inline'");
    const html = await page.text();
    expect(html).toContain('&lt;b&gt;Lock&lt;/b&gt; the cabinet');
    expect(html).not.toContain('<b>Lock');
    const json = await fetch(`${gateway.url}/api/clients/${clientId}/safety-plan`, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json, text/html' },
    });
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
    dana.socket.disconnect();
  });

  it('gives outsiders, consent recipients without safety_plan and admins not_found everywhere', async () => {
    const update = planUpdate(new Y.Doc(), () => undefined);
    for (const provider of [outsider, primaryCare]) {
      const socket = await connect(provider);
      expect(await socket.emitWithAck('safetyPlan.join', { clientId })).toEqual(NOT_FOUND);
      expect(await socket.emitWithAck('safetyPlan.update', { clientId, update })).toEqual(NOT_FOUND);
      expect(await socket.emitWithAck('safetyPlan.awareness', { clientId, update: 'AA==' })).toEqual(NOT_FOUND);
      socket.disconnect();
    }
    for (const provider of [outsider, primaryCare, admin]) {
      for (const path of ['safety-plan', 'safety-plan/versions']) {
        const reply = await call(provider, 'GET', `/clients/${clientId}/${path}`);
        expect({ provider: provider.name, path, status: reply.status }).toEqual({
          provider: provider.name,
          path,
          status: 404,
        });
      }
    }
  });

  it('lets an emergency reader follow the plan but not edit it', async () => {
    const own = await registerClient(call, therapist);
    const opened = await call(onCall, 'POST', `/clients/${own}/emergency-access`, {
      reason: 'Client called the crisis line; on-call needs the plan',
    });
    expect(opened.status).toBe(201);
    const ria = await joinPlan(await connect(onCall), own);
    expect(planToJson(ria.doc)[4].items).toEqual([{ ...CRISIS_LINE_ITEM }]);
    expect(await editPlan(ria, (s) => s.get('warning_signs')!.push([planItem({ text: 'x' })]))).toEqual(NOT_FOUND);
    expect((await call(onCall, 'GET', `/clients/${own}/safety-plan`)).status).toBe(200);
    ria.socket.disconnect();
  });

  it('cuts a revoked recipient off at once: out of the plan’s room, further updates refused', async () => {
    const own = await registerClient(call, therapist);
    const consent = await grantConsent(
      call,
      therapist,
      own,
      [psychiatrist.sub],
      ['safety_plan'],
      new Date(Date.now() + 86_400_000),
    );
    const dana = await joinPlan(await connect(therapist), own);
    const sam = await joinPlan(await connect(psychiatrist), own);
    const watcher = await joinPlan(await connect(therapist), own);
    const revoked = new Promise((resolve) => sam.socket.once('access.revoked', resolve));
    expect((await call(therapist, 'POST', `/consents/${consent}/revoke`, { reason: 'Client withdrew' })).status).toBe(
      200,
    );
    expect(await revoked).toEqual({ clientId: own, threadIds: [] });
    const inRoom = await gateway.app.get(ConsultGateway).namespace.in(planRoom(own)).fetchSockets();
    expect(inRoom.map((socket) => socket.id).sort()).toEqual([dana.socket.id, watcher.socket.id].sort());

    expect(await editPlan(sam, (s) => s.get('warning_signs')!.push([planItem({ text: 'late' })]))).toEqual(NOT_FOUND);
    expect(await sam.socket.emitWithAck('safetyPlan.join', { clientId: own })).toEqual(NOT_FOUND);
    const watched = heardUpdates(watcher, 1);
    expect(await editPlan(dana, (s) => s.get('warning_signs')!.push([planItem({ text: 'after' })]))).toMatchObject({
      ok: true,
    });
    await watched;
    // The same emit reached the watcher; the revoked socket heard nothing.
    expect(sam.heard).toEqual([]);
    expect((await call(psychiatrist, 'GET', `/clients/${own}/safety-plan`)).status).toBe(404);
    for (const editor of [dana, sam, watcher]) editor.socket.disconnect();
    expect(consentId).toBeDefined();
  });

  it('relays presence only from a socket that joined, and only well-formed', async () => {
    const dana = await joinPlan(await connect(therapist), clientId);
    const sam = await joinPlan(await connect(psychiatrist), clientId);
    const stray = await connect(therapist);
    const presence = new Awareness(new Y.Doc());
    presence.setLocalState({ user: { name: 'Dana' }, cursor: { section: 'warning_signs' } });
    const update = Buffer.from(encodeAwarenessUpdate(presence, [presence.clientID])).toString('base64');
    presence.destroy();

    const heard = new Promise<{ clientId: string; update: string; providerId: string }>((resolve) =>
      sam.socket.once('safetyPlan.awareness', resolve),
    );
    expect(await dana.socket.emitWithAck('safetyPlan.awareness', { clientId, update })).toEqual({ ok: true });
    const relayed = await heard;
    expect(relayed).toEqual({ clientId, update, providerId: therapist.sub });
    const seen = new Awareness(new Y.Doc());
    applyAwarenessUpdate(seen, Buffer.from(relayed.update, 'base64'), 'test');
    expect(seen.getStates().get(presence.clientID)).toEqual({
      user: { name: 'Dana' },
      cursor: { section: 'warning_signs' },
    });
    seen.destroy();

    const invalid = { ok: false, error: expect.objectContaining({ code: 'invalid' }) };
    expect(await stray.emitWithAck('safetyPlan.awareness', { clientId, update })).toEqual(invalid);
    expect(await dana.socket.emitWithAck('safetyPlan.awareness', { clientId, update: 'AQID' })).toEqual(invalid);
    expect(
      await dana.socket.emitWithAck('safetyPlan.awareness', { clientId, update: 'A'.repeat(MAX_AWARENESS_BASE64 + 4) }),
    ).toEqual(invalid);
    expect(
      await dana.socket.emitWithAck('safetyPlan.update', { clientId, update: 'A'.repeat(MAX_UPDATE_BASE64 + 4) }),
    ).toEqual(invalid);
    for (const socket of [dana.socket, sam.socket, stray]) socket.disconnect();
  });

  it('accepts every editor’s changes while two processes store changes to one plan at once', async () => {
    const own = await registerClient(call, therapist);
    const second = await startTestGateway({ sharing: { ...gateway, masterKey: gateway.masterKey } });
    try {
      // Five editors on each process, each sending all its edits without waiting for answers.
      const editors = await Promise.all(
        Array.from({ length: 10 }, async (_, n) => joinPlan(await connect(therapist, n % 2 ? second : gateway), own)),
      );
      // Each editor adds one item to each free section (ten per section, within the cap).
      const sent = await Promise.all(
        editors.map((editor, n) =>
          sendEdits(
            editor,
            FREE_SECTIONS.map((section) => ({ do: 'add', section, text: `${n}` }) as const),
          ),
        ),
      );
      const answers = sent.flatMap((some) => some ?? []);
      // None refused for the other process being busy; sequences 1..40, each once.
      expect(answers.filter((answer) => !answer.ok)).toEqual([]);
      const seqs = answers.map((answer) => answer.seq!).sort((a, b) => a - b);
      expect(seqs).toEqual(Array.from({ length: 40 }, (_, k) => k + 1));
      // Both processes read the same plan, holding every edit.
      const [one, two] = await Promise.all(
        [gateway, second].map((on) => apiAs(on)(therapist, 'GET', `/clients/${own}/safety-plan`)),
      );
      expect(two.body).toEqual(one.body);
      for (const section of FREE_SECTIONS) {
        const items = (one.body.sections as Json[]).find((candidate) => candidate.id === section)!.items as Json[];
        expect(items.map((item) => item.text).sort()).toEqual(editors.map((_, n) => `${n}`).sort());
      }
      for (const editor of editors) editor.socket.disconnect();
    } finally {
      await second.stop();
    }
  });

  it('keeps every acknowledged change across a restart, compacting into snapshots', async () => {
    const own = await registerClient(call, therapist);
    const dana = await joinPlan(await connect(therapist), own);
    expect(await editPlan(dana, (s) => s.get('coping_strategies')!.push([planItem({ text: 'v0' })]))).toMatchObject({
      ok: true,
    });
    for (let n = 1; n <= SNAPSHOT_EVERY + 4; n++) {
      const answer = await editPlan(dana, (s) => s.get('coping_strategies')!.get(0).set('text', `v${n}`));
      expect({ n, answer }).toEqual({ n, answer: { ok: true, seq: n + 1 } });
    }
    const snapshots = (await gateway.db.dataSource.query(`SELECT seq FROM safety_plan_snapshots WHERE client_id = $1`, [
      own,
    ])) as { seq: number }[];
    expect(snapshots).toEqual([{ seq: SNAPSHOT_EVERY }]);

    // A second process on the same database has nothing in memory: it loads snapshot + later updates.
    const second = await startTestGateway({ sharing: { ...gateway, masterKey: gateway.masterKey } });
    try {
      const reloaded = await joinPlan(await connect(therapist, second), own);
      expect(planToJson(reloaded.doc)).toEqual(planToJson(dana.doc));
      expect(planToJson(reloaded.doc)[1].items).toEqual([{ text: `v${SNAPSHOT_EVERY + 4}` }]);
      // Edits through either process are checked against the whole plan, and read by both.
      expect(await editPlan(reloaded, (s) => s.get('coping_strategies')!.get(0).set('text', 'from two'))).toEqual({
        ok: true,
        seq: SNAPSHOT_EVERY + 6,
      });
      const fromFirst = await call(therapist, 'GET', `/clients/${own}/safety-plan`);
      expect(fromFirst.body.sections[1].items).toEqual([{ text: 'from two' }]);
      expect(fromFirst.body.seq).toBe(SNAPSHOT_EVERY + 6);
      // The first process, behind by that change, catches up before checking its next one.
      expect(await editPlan(dana, (s) => s.get('reasons_for_living')!.push([planItem({ text: 'from one' })]))).toEqual({
        ok: true,
        seq: SNAPSHOT_EVERY + 7,
      });
      const afterBoth = await call(therapist, 'GET', `/clients/${own}/safety-plan`);
      expect(afterBoth.body.sections[1].items).toEqual([{ text: 'from two' }]);
      expect(afterBoth.body.sections[6].items).toEqual([{ text: 'from one' }]);
      reloaded.socket.disconnect();
    } finally {
      await second.stop();
    }
    dana.socket.disconnect();
  });
});
