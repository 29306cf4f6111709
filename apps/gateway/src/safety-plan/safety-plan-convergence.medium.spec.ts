import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { Socket as ClientSocket } from 'socket.io-client';
import * as Y from 'yjs';
import { ClientKeyring } from '@sharedcare/crypto';
import { createPlanDocument, planToJson } from '@sharedcare/safety-plan';
import { apiAs, grantConsent, registerClient, type TestProvider, testProvider } from '../../../../test/support/api.js';
import { connectOutcome, startTestGateway, type TestGateway } from '../../../../test/support/gateway-app.js';
import {
  heardUpdates,
  joinPlan,
  planEdit,
  type PlanEdit,
  resync,
  sendEdits,
} from '../../../../test/support/safety-plan.js';

const org = randomUUID();
const therapist = testProvider('therapist', org, 'Dana Reyes', 'LCSW');
const psychiatrist = testProvider('psychiatrist', org, 'Sam Okafor', 'MD');
/**
 * Several editors change one plan at once, each sending every edit without waiting for the
 * others, and one drops its connection mid-way and comes back: every editor ends with the same
 * plan, equal to the one the database holds.
 */
describe('safety plan convergence (property)', () => {
  let gateway: TestGateway;
  let call: ReturnType<typeof apiAs>;
  /** This run's sockets, closed when it ends even if it fails: the next runs (shrinking) stay under the per-provider cap. */
  const opened: ClientSocket[] = [];

  async function connect(provider: TestProvider): Promise<ClientSocket> {
    const socket = gateway.socket({ auth: { token: await gateway.issuer.mint({ claims: { ...provider } }) } });
    opened.push(socket);
    expect(await connectOutcome(socket)).toEqual({ connected: true });
    return socket;
  }

  /** The plan rebuilt from the stored updates alone. */
  async function persisted(clientId: string): Promise<Y.Doc> {
    const rows = (await gateway.db.dataSource.query(
      `SELECT id, update_sealed FROM safety_plan_updates WHERE client_id = $1 ORDER BY seq`,
      [clientId],
    )) as { id: string; update_sealed: string }[];
    const keyring = gateway.app.get(ClientKeyring);
    const doc = createPlanDocument();
    for (const row of rows) {
      Y.applyUpdate(doc, await keyring.decryptForClient(clientId, row.update_sealed, `safety_plan.update:${row.id}`));
    }
    return doc;
  }

  beforeAll(async () => {
    gateway = await startTestGateway({ config: { socketEventBudget: 10_000 } });
    call = apiAs(gateway);
    await call(psychiatrist, 'GET', '/me');
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('brings every editor to the stored plan', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(planEdit, { maxLength: 6 }), { minLength: 2, maxLength: 3 }),
        fc.nat(5),
        async (plans, dropAfter) => {
          try {
            await converges(plans, dropAfter);
          } finally {
            for (const socket of opened.splice(0)) socket.disconnect();
          }
        },
      ),
      { numRuns: 8 },
    );
    // Eight runs of several live editors: about 15 s on a quiet machine, several times that on a busy one.
  }, 240_000);

  async function converges(plans: PlanEdit[][], dropAfter: number): Promise<void> {
    const clientId = await registerClient(call, therapist);
    await grantConsent(
      call,
      therapist,
      clientId,
      [psychiatrist.sub],
      ['safety_plan'],
      new Date(Date.now() + 86_400_000),
    );
    const editors = await Promise.all(
      plans.map(async (_, n) => joinPlan(await connect(n % 2 === 0 ? therapist : psychiatrist), clientId)),
    );
    // The last editor drops after `dropAfter` of its edits, with their answers still in flight.
    const dropping = editors.length - 1;
    const acknowledged = editors.map(() => 0);
    await Promise.all(
      editors.map(async (editor, n) => {
        const answers = await sendEdits(editor, plans[n], n === dropping ? dropAfter : undefined);
        if (!answers) return;
        expect(answers.filter((answer) => !answer.ok)).toEqual([]);
        acknowledged[n] = answers.length;
      }),
    );
    // Back with a new connection: it takes the stored plan and sends what the server lacks.
    const old = editors[dropping];
    const back = await joinPlan(await connect(dropping % 2 === 0 ? therapist : psychiatrist), clientId);
    const resent = await resync(old, back);
    expect(resent).toMatchObject({ ok: true });
    editors[dropping] = back;
    acknowledged[dropping] = 1;

    const stored = await persisted(clientId);
    const total = resent.seq as number;
    // Every connected editor hears every accepted update but its own.
    await Promise.all(editors.slice(0, dropping).map((editor, n) => heardUpdates(editor, total - acknowledged[n])));
    const expected = planToJson(stored);
    for (const editor of editors) expect(planToJson(editor.doc)).toEqual(expected);
    expect((await call(therapist, 'GET', `/clients/${clientId}/safety-plan`)).body.sections).toEqual(expected);
  }
});
