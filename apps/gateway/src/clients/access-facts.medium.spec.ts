import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import { concurrentBatches, FixedClock } from '@sharedcare/common';
import { type AccessResource, type AccessRow, AccessRepository } from '@sharedcare/consent';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { apiAs, grantConsent, openThread, registerClient, testProvider } from '../../../../test/support/api.js';
import { startTestGateway, type TestGateway } from '../../../../test/support/gateway-app.js';

/**
 * Every request first asks AccessRepository.facts; questions asked while one is under way go to
 * the database together. Together or alone, each caller must get exactly its own answer.
 */
describe('access facts asked together', () => {
  const clock = new FixedClock(new Date());
  const organisationId = randomUUID();
  const therapist = testProvider('therapist', organisationId, 'Dana Reyes', 'LCSW');
  const psychiatrist = testProvider('psychiatrist', organisationId, 'Sam Okafor', 'MD');
  const outsider = testProvider('therapist', organisationId, 'Alex Kim', 'LCSW');
  let gateway: TestGateway;
  let repository: AccessRepository;
  const ids: Record<AccessResource, string[]> = { client: [], consent: [], thread: [], message: [] };

  beforeAll(async () => {
    gateway = await startTestGateway({ clock });
    repository = gateway.app.get(AccessRepository);
    const call = apiAs(gateway, clock);
    for (const who of [therapist, psychiatrist, outsider]) await call(who, 'GET', '/me');
    // Two shared clients, the second with its consent to the psychiatrist limited to medications.
    for (const categories of [['general'], ['medications']]) {
      const clientId = await registerClient(call, therapist);
      const expiresAt = new Date(clock.now().getTime() + 86_400_000);
      ids.consent.push(await grantConsent(call, therapist, clientId, [psychiatrist.sub], categories, expiresAt));
      const participants = categories[0] === 'general' ? [psychiatrist.sub] : [];
      const threadId = await openThread(call, therapist, clientId, participants);
      const sent = await call(therapist, 'POST', `/threads/${threadId}/messages`, {
        clientMessageId: randomUUID(),
        kind: 'note',
        category: 'general',
        body: { text: 'Seen today.' },
      });
      expect(sent.status).toBe(201);
      ids.client.push(clientId);
      ids.thread.push(threadId);
      ids.message.push(sent.body.messageId as string);
    }
  });
  afterAll(() => gateway?.stop());

  /** Every caller × kind of id, with the ids of both clients, a missing one and a repeat. */
  function questions() {
    return [therapist, psychiatrist, outsider].flatMap((who) =>
      (Object.keys(ids) as AccessResource[]).map((resource) => ({
        caller: { providerId: who.sub, organisationId },
        resource,
        ids: [...ids[resource], randomUUID(), ids[resource][0]],
      })),
    );
  }

  const sorted = (rows: AccessRow[]) => [...rows].sort((a, b) => a.targetId.localeCompare(b.targetId));

  it('answers each of many concurrent questions as it answers it alone, in fewer queries', async () => {
    const asked = questions();
    const alone: AccessRow[][] = [];
    for (const question of asked) {
      alone.push(await repository.facts(question.caller, question.resource, question.ids, clock.now()));
    }
    // The answers differ between callers and kinds, so a mix-up between questions would show.
    expect(new Set(alone.map((rows) => JSON.stringify(sorted(rows)))).size).toBeGreaterThan(6);
    expect(alone.every((rows) => rows.length === 2)).toBe(true);

    // At the driver, below every way a repository may send a statement (named or not).
    const query = jest.spyOn(pg.Client.prototype, 'query');
    try {
      const together = await Promise.all(
        asked.map((question) => repository.facts(question.caller, question.resource, question.ids, clock.now())),
      );
      expect(together.map(sorted)).toEqual(alone.map(sorted));
      // The first questions go alone, one per query the pool may run at once; the rest wait and go together.
      // (Counting only these: the service's timers query too.)
      const factsQueries = query.mock.calls.filter(([statement]) =>
        (typeof statement === 'string' ? statement : (statement as { text: string }).text)
          .trimStart()
          .startsWith('WITH asked AS'),
      );
      expect(factsQueries.length).toBeGreaterThan(0);
      expect(factsQueries.length).toBeLessThanOrEqual(concurrentBatches(gateway.app.get(DataSource)) + 1);
    } finally {
      query.mockRestore();
    }
  });

  it('keeps a failing question its own: the others asked with it are answered', async () => {
    const asked = questions();
    const broken = { ...asked[0], caller: { providerId: 'not-a-uuid', organisationId } };
    const answers = await Promise.allSettled(
      [asked[1], broken, asked[2]].map((question) =>
        repository.facts(question.caller, question.resource, question.ids, clock.now()),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const [first, , third] = answers.map((answer) => (answer.status === 'fulfilled' ? sorted(answer.value) : null));
    expect(first).toEqual(
      sorted(await repository.facts(asked[1].caller, asked[1].resource, asked[1].ids, clock.now())),
    );
    expect(third).toEqual(
      sorted(await repository.facts(asked[2].caller, asked[2].resource, asked[2].ids, clock.now())),
    );
  });
});
