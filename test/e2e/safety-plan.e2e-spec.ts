import fc from 'fast-check';
import type { Bundle } from '@medplum/fhirtypes';
import { io, type Socket } from 'socket.io-client';
import * as Y from 'yjs';
import { CRISIS_LINE_ITEM, planToJson } from '@sharedcare/safety-plan';
import type { Json } from '../support/api.js';
import { demoLogin } from '../support/demo.js';
import { fhirErrors } from '../support/fhir-validation.js';
import {
  heardUpdates,
  joinPlan,
  planEdit,
  type PlanEdit,
  type PlanEditor,
  planItem,
  planUpdate,
  resync,
  sendEdits,
} from '../support/safety-plan.js';
import { freePort, type Platform, type RunningService, startPlatform, startService } from '../support/services.js';

const redisUrl = process.env.REDIS_URL;
const databaseUrl = process.env.DATABASE_URL;
/** Several processes need a shared database and Redis; on the embedded database there is one. */
const scaledOut = Boolean(redisUrl && databaseUrl);

/** Resolves once the editor's copy reads as `expected`; checked on every relayed update, never on a timer. */
function reaches(editor: PlanEditor, expected: unknown): Promise<void> {
  const same = () => JSON.stringify(planToJson(editor.doc)) === JSON.stringify(expected);
  return new Promise((resolve) => {
    const check = () => {
      if (!same()) return;
      editor.socket.off('safetyPlan.update', check);
      resolve();
    };
    editor.socket.on('safetyPlan.update', check);
    check();
  });
}

/**
 * The shared safety plan against the services started as a user starts them (issue 5): the
 * third user story, then random concurrent editors through disconnects and a gateway restart.
 * On PostgreSQL + Redis the editors are spread over two consult-service processes.
 */
describe('the shared safety plan, end to end', () => {
  let platform: Platform;
  /** The consult-service processes: one on the embedded database, two when scaled out. */
  const gateways: RunningService[] = [];
  const sockets: Socket[] = [];
  const tokens: Record<'therapist' | 'psychiatrist', string> = { therapist: '', psychiatrist: '' };
  const ids: Record<'therapist' | 'psychiatrist', string> = { therapist: '', psychiatrist: '' };

  async function api(who: keyof typeof tokens, method: string, path: string, body?: unknown) {
    const response = await fetch(`${gateways[0].url}${path}`, {
      method,
      headers: { authorization: `Bearer ${tokens[who]}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Json };
  }

  async function connect(who: keyof typeof tokens, on: RunningService): Promise<Socket> {
    const socket = io(`${on.url}/consult`, { auth: { token: tokens[who] }, reconnection: false, forceNew: true });
    sockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    return socket;
  }

  /** A new client of the therapist's whose consent names the psychiatrist for the safety plan. */
  async function sharedClient(): Promise<{ clientId: string; consentId: string }> {
    const client = await api('therapist', 'POST', '/api/clients', {
      displayName: 'Plan client',
      dateOfBirth: '1990-04-02',
    });
    expect(client.status).toBe(201);
    const clientId = client.body.clientId as string;
    const consent = await api('therapist', 'POST', `/api/clients/${clientId}/consents`, {
      recipientIds: [ids.psychiatrist],
      categories: ['general', 'safety_plan'],
      purpose: 'treatment',
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
      attestation: { method: 'signature_on_file', signerName: 'Jordan Lee' },
    });
    expect(consent.status).toBe(201);
    return { clientId, consentId: consent.body.consentId as string };
  }

  async function startGateway(): Promise<RunningService> {
    const port = await freePort();
    // Same database and keys; the demo was seeded once, by the first.
    return startService('gateway', port, { ...platform.env, GATEWAY_PORT: String(port), DEMO: 'false' });
  }

  beforeAll(async () => {
    platform = await startPlatform({ SOCKET_EVENT_BUDGET: '10000', ...(scaledOut ? { REDIS_URL: redisUrl! } : {}) });
    gateways.push(platform.gateway);
    if (scaledOut) gateways.push(await startGateway());
    for (const who of ['therapist', 'psychiatrist'] as const) {
      const login = await demoLogin(platform.auth.url, `${who}@demo.test`);
      tokens[who] = ((await login.json()) as { accessToken: string }).accessToken;
      ids[who] = (await api(who, 'GET', '/api/me')).body.providerId as string;
    }
  });
  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    // A restarted process is this file's to stop; the platform stops the one it started (if still running).
    for (const gateway of gateways) if (gateway !== platform?.gateway) await gateway.stop();
    await platform?.stop();
  });

  it('the third user story: therapist and psychiatrist edit at once, see each other live, name a version and export a valid CarePlan', async () => {
    const { clientId } = await sharedClient();
    const dana = await joinPlan(await connect('therapist', gateways[0]), clientId);
    const sam = await joinPlan(await connect('psychiatrist', gateways.at(-1)!), clientId);

    // Both edit from the same state, before hearing the other.
    const fromDana = planUpdate(dana.doc, (s) =>
      s.get('warning_signs')!.push([planItem({ text: 'Stops answering texts' })]),
    );
    const fromSam = planUpdate(sam.doc, (s) =>
      s
        .get('crisis_contacts')!
        .push([planItem({ text: 'Psychiatrist on call', name: 'Dr Okafor', phone: '555-0199' })]),
    );
    const [samHears, danaHears] = [heardUpdates(sam, 1), heardUpdates(dana, 1)];
    const answers = await Promise.all([
      dana.socket.emitWithAck('safetyPlan.update', { clientId, update: fromDana }),
      sam.socket.emitWithAck('safetyPlan.update', { clientId, update: fromSam }),
    ]);
    expect(answers.map((answer) => answer.ok)).toEqual([true, true]);
    Y.applyUpdate(dana.doc, Buffer.from(fromDana, 'base64'));
    Y.applyUpdate(sam.doc, Buffer.from(fromSam, 'base64'));
    await Promise.all([samHears, danaHears]);
    expect([dana.heard, sam.heard]).toEqual([[ids.psychiatrist], [ids.therapist]]);
    expect(planToJson(sam.doc)).toEqual(planToJson(dana.doc));
    expect(planToJson(dana.doc)[0].items).toEqual([{ text: 'Stops answering texts' }]);

    // Persisted, with its change log and a named version.
    const plan = await api('psychiatrist', 'GET', `/api/clients/${clientId}/safety-plan`);
    expect(plan).toEqual({ status: 200, body: { clientId, seq: 2, sections: planToJson(dana.doc) } });
    const log = await api('therapist', 'GET', `/api/clients/${clientId}/safety-plan/versions`);
    expect((log.body.changes as Json[]).map((change) => change.authorId).sort()).toEqual(
      [ids.therapist, ids.psychiatrist].sort(),
    );
    const named = await api('psychiatrist', 'POST', `/api/clients/${clientId}/safety-plan/named-versions`, {
      label: 'Reviewed with the client at the joint visit',
    });
    expect(named).toMatchObject({ status: 201, body: { seq: 2, authorId: ids.psychiatrist } });
    const read = await api('therapist', 'GET', `/api/clients/${clientId}/safety-plan/named-versions/${named.body.id}`);
    expect(read.body.sections).toEqual(planToJson(dana.doc));

    // A later change shows against the named version.
    const later = await dana.socket.emitWithAck('safetyPlan.update', {
      clientId,
      update: planUpdate(dana.doc, (s) => s.get('reasons_for_living')!.push([planItem({ text: 'My dog, Biscuit' })])),
    });
    expect(later).toMatchObject({ ok: true, seq: 3 });
    const compared = await api(
      'psychiatrist',
      'GET',
      `/api/clients/${clientId}/safety-plan/compare?from=${named.body.id}`,
    );
    expect((compared.body.sections as Json[]).find((section) => section.id === 'reasons_for_living')).toMatchObject({
      added: [{ text: 'My dog, Biscuit' }],
      removed: [],
      changed: [],
    });

    // And it leaves as a valid FHIR CarePlan: one activity per item, 988 among them.
    const exported = await fetch(`${gateways[0].url}/fhir/R4/CarePlan?patient=${clientId}`, {
      headers: { authorization: `Bearer ${tokens.psychiatrist}` },
    });
    expect(exported.status).toBe(200);
    const bundle = (await exported.json()) as Bundle;
    expect(fhirErrors(bundle)).toEqual([]);
    const carePlan = bundle.entry?.[0]?.resource as Json;
    expect(carePlan).toMatchObject({
      resourceType: 'CarePlan',
      status: 'active',
      intent: 'plan',
      meta: { versionId: '3' },
    });
    expect(
      (carePlan.activity as Json[]).map((activity) => [
        activity.detail.code.coding[0].code,
        activity.detail.description,
      ]),
    ).toEqual([
      ['warning_signs', 'Stops answering texts'],
      ['crisis_contacts', `${CRISIS_LINE_ITEM.name} (${CRISIS_LINE_ITEM.phone}): ${CRISIS_LINE_ITEM.text}`],
      ['crisis_contacts', 'Dr Okafor (555-0199): Psychiatrist on call'],
      ['reasons_for_living', 'My dog, Biscuit'],
    ]);
    dana.socket.disconnect();
    sam.socket.disconnect();
  });

  it('cuts a provider whose consent is revoked off the plan at once', async () => {
    const { clientId, consentId } = await sharedClient();
    const sam = await joinPlan(await connect('psychiatrist', gateways.at(-1)!), clientId);
    const dana = await joinPlan(await connect('therapist', gateways[0]), clientId);
    const revoked = new Promise((resolve) => sam.socket.once('access.revoked', resolve));
    expect(
      (await api('therapist', 'POST', `/api/consents/${consentId}/revoke`, { reason: 'Client withdrew' })).status,
    ).toBe(200);
    expect(await revoked).toEqual({ clientId, threadIds: [] });
    const refused = await sam.socket.emitWithAck('safetyPlan.update', {
      clientId,
      update: planUpdate(sam.doc, (s) => s.get('warning_signs')!.push([planItem({ text: 'after revocation' })])),
    });
    expect(refused).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(
      await dana.socket.emitWithAck('safetyPlan.update', {
        clientId,
        update: planUpdate(dana.doc, (s) => s.get('warning_signs')!.push([planItem({ text: 'still editing' })])),
      }),
    ).toMatchObject({ ok: true, seq: 1 });
    expect((await api('therapist', 'GET', `/api/clients/${clientId}/safety-plan`)).body.sections[0].items).toEqual([
      { text: 'still editing' },
    ]);
    expect(sam.heard).toEqual([]);
    dana.socket.disconnect();
    sam.socket.disconnect();
  });

  /**
   * One run: every editor sends its first edits at once, one dropping its connection with answers
   * in flight; the last gateway process restarts; everyone it dropped comes back on a new
   * connection, takes the stored plan and sends what the server lacks; then everyone edits again
   * at once. Every editor ends with the plan the server stored, as REST and a fresh join read it.
   */
  async function converges(
    editorCount: number,
    first: PlanEdit[][],
    second: PlanEdit[][],
    dropAfter: number,
  ): Promise<void> {
    const { clientId } = await sharedClient();
    const who = (n: number) => (n % 2 === 0 ? 'therapist' : 'psychiatrist') as keyof typeof tokens;
    const home = (n: number) => gateways[n % gateways.length];
    let editors = await Promise.all(
      Array.from({ length: editorCount }, async (_, n) => joinPlan(await connect(who(n), home(n)), clientId)),
    );
    const sendAll = (steps: PlanEdit[][], dropping?: number) =>
      Promise.all(
        editors.map(async (editor, n) => {
          const answers = await sendEdits(editor, steps[n], n === dropping ? dropAfter : undefined);
          if (answers) expect(answers.filter((answer) => !answer.ok)).toEqual([]);
        }),
      );
    /** Back on a new connection: the stored plan, merged with the editor's own, and what the server lacks sent. */
    const rejoin = async (old: PlanEditor, n: number): Promise<PlanEditor> => {
      const back = await joinPlan(await connect(who(n), home(n)), clientId);
      const resent = await resync(old, back);
      expect(resent).toMatchObject({ ok: true });
      return back;
    };

    await sendAll(first, editorCount - 1);
    // The last process restarts: its sockets are told and closed, the others stay.
    const restarting = gateways.length - 1;
    const dropped = editors.map((editor, n) =>
      editor.socket.connected && n % gateways.length === restarting
        ? new Promise<void>((resolve) => editor.socket.once('disconnect', () => resolve()))
        : Promise.resolve(),
    );
    expect(await gateways[restarting].stop('SIGTERM')).toBe(0);
    gateways[restarting] = await startGateway();
    await Promise.all(dropped);
    editors = await Promise.all(editors.map((editor, n) => (editor.socket.connected ? editor : rejoin(editor, n))));
    await sendAll(second);

    const stored = await api('therapist', 'GET', `/api/clients/${clientId}/safety-plan`);
    expect(stored.status).toBe(200);
    await Promise.all(editors.map((editor) => reaches(editor, stored.body.sections)));
    const fresh = await joinPlan(await connect('psychiatrist', gateways[restarting]), clientId);
    expect(planToJson(fresh.doc)).toEqual(stored.body.sections);
    for (const editor of [...editors, fresh]) editor.socket.disconnect();
  }

  const run = (editorCount: number, numRuns: number) =>
    fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(planEdit, { maxLength: 4 }), { minLength: editorCount, maxLength: editorCount }),
        fc.array(fc.array(planEdit, { maxLength: 3 }), { minLength: editorCount, maxLength: editorCount }),
        fc.nat(3),
        async (first, second, dropAfter) => {
          try {
            await converges(editorCount, first, second, dropAfter);
          } finally {
            for (const socket of sockets.splice(0)) socket.disconnect();
          }
        },
      ),
      // A failing run reports at once: shrinking restarts processes for minutes and hides the cause.
      { numRuns, endOnFailure: true },
    );

  it('brings two concurrent editors to the stored plan through a disconnect and a restart', async () => {
    await run(2, 2);
  }, 120_000);

  it('brings ten concurrent editors to the stored plan through a disconnect and a restart', async () => {
    await run(10, 2);
  }, 120_000);
});
