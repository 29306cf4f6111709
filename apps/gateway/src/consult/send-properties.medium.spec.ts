import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { Socket as ClientSocket } from 'socket.io-client';
import { apiAs, type Json, type TestProvider, testProvider } from '../../../../test/support/api.js';
import { connectOutcome, startTestGateway, type TestGateway } from '../../../../test/support/gateway-app.js';

const org = randomUUID();
const therapist = testProvider('therapist', org, 'Dana Reyes', 'LCSW');
const psychiatrist = testProvider('psychiatrist', org, 'Sam Okafor', 'MD');
const careManager = testProvider('care_manager', org, 'Ria Banerjee', 'RN');
const primaryCare = testProvider('primary_care', org, 'Lee Moreno', 'MD');
/** Sender i of a run is `team[i]`; the therapist opens every thread, so is always in it. */
const team = [therapist, psychiatrist, careManager, primaryCare];

/**
 * What one sender does, step by step: `emit` sends its next message on the socket without waiting
 * for the acknowledgement; `settle` waits for the acknowledgements outstanding; `drop` closes the
 * socket, opens a new one and resends everything not acknowledged, with the same clientMessageId,
 * over REST, the socket, or alternately. A drop `now` loses what is in flight before the server
 * handles it (socket.io ignores events still in middleware when their socket disconnects); a drop
 * `onEcho` waits for the sender's own `message.new` of its oldest unacknowledged message (published
 * after the commit, before the acknowledgement) and disconnects right there: stored, ack lost.
 */
type Step =
  { do: 'emit' } | { do: 'settle' } | { do: 'drop'; at: 'now' | 'onEcho'; retryOver: 'rest' | 'socket' | 'alternate' };

const step: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.constant({ do: 'emit' as const }), weight: 5 },
  { arbitrary: fc.constant({ do: 'settle' as const }), weight: 1 },
  {
    arbitrary: fc.record({
      do: fc.constant('drop' as const),
      at: fc.constantFrom('now', 'onEcho'),
      retryOver: fc.constantFrom('rest', 'socket', 'alternate'),
    }),
    weight: 3,
  },
);
/** One plan per participant: 2 to 4 senders, each with up to 10 steps. */
const plans = fc.array(fc.array(step, { maxLength: 10 }), { minLength: 2, maxLength: team.length });

interface SenderOutcome {
  provider: TestProvider;
  /** Every clientMessageId the sender meant to send, with the text it sent. */
  intended: Map<string, string>;
  /** Every acknowledgement received (a message may be acknowledged more than once). */
  acks: { clientMessageId: string; over: 'rest' | 'socket'; message: Json }[];
  /** Any answer that was not a stored message: none is expected. */
  refusals: { clientMessageId: string; over: 'rest' | 'socket'; answer: unknown }[];
  socket: ClientSocket;
}

/**
 * "Never lose a message" under concurrent senders whose connections drop: however sends, lost
 * acknowledgements and retries interleave, every participant catches up on the same thread, numbered
 * 1..n without gap or duplicate, holding each intended message exactly once, as acknowledged.
 * fast-check prints the seed and path of a failure; they replay the plans, though not the exact
 * interleaving on the wire.
 */
describe('message.send under concurrent senders, dropped sockets and retries (property)', () => {
  let gateway: TestGateway;
  let call: ReturnType<typeof apiAs>;
  let clientId: string;

  async function connect(provider: TestProvider, opened: ClientSocket[]): Promise<ClientSocket> {
    const socket = gateway.socket({ auth: { token: await gateway.issuer.mint({ claims: { ...provider } }) } });
    opened.push(socket);
    const outcome = await connectOutcome(socket);
    if (!outcome.connected) throw new Error(`${provider.name} could not connect: ${outcome.error.message}`);
    return socket;
  }

  beforeAll(async () => {
    // Hundreds of events per run: the per-provider budget must not be what answers.
    gateway = await startTestGateway({ config: { socketEventBudget: 100_000 } });
    call = apiAs(gateway);
    for (const provider of team.slice(1)) await call(provider, 'GET', '/me');
    clientId = (await call(therapist, 'POST', '/clients', { displayName: 'Jordan Lee', dateOfBirth: '1990-04-12' }))
      .body.clientId;
    const consent = await call(therapist, 'POST', `/clients/${clientId}/consents`, {
      recipientIds: team.slice(1).map((provider) => provider.sub),
      categories: ['general'],
      purpose: 'treatment',
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
      attestation: { method: 'signature_on_file', signerName: 'Jordan Lee' },
    });
    expect(consent.status).toBe(201);
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  async function runSender(
    provider: TestProvider,
    threadId: string,
    plan: Step[],
    opened: ClientSocket[],
  ): Promise<SenderOutcome> {
    const outcome: SenderOutcome = {
      provider,
      intended: new Map(),
      acks: [],
      refusals: [],
      socket: await connect(provider, opened),
    };
    const acked = new Set<string>();
    let pending: Promise<void>[] = [];
    /** The answer to each message's latest emission on the current socket, settled either way. */
    let inFlight = new Map<string, Promise<void>>();
    /** The sender's own messages the current socket has heard of as `message.new`. */
    let echoed = new Set<string>();
    const listen = (socket: ClientSocket) => {
      echoed = new Set();
      const heard = echoed;
      socket.on('message.new', ({ message }: Json) => {
        if (message.threadId === threadId && message.senderId === provider.sub) heard.add(message.clientMessageId);
      });
      return socket;
    };
    listen(outcome.socket);
    // The same ids for every sender: uniqueness is per (thread, sender, clientMessageId).
    const payload = (clientMessageId: string) => ({
      clientMessageId,
      kind: 'note',
      category: 'general',
      body: { text: outcome.intended.get(clientMessageId) },
    });
    const overSocket = (socket: ClientSocket, clientMessageId: string) => {
      const answered = socket.emitWithAck('message.send', { threadId, ...payload(clientMessageId) }).then(
        (answer: Json) => {
          if (answer.ok === true) {
            acked.add(clientMessageId);
            outcome.acks.push({ clientMessageId, over: 'socket', message: answer.message });
          } else outcome.refusals.push({ clientMessageId, over: 'socket', answer });
        },
        // Disconnected before the answer came: the acknowledgement is lost, whatever the server did.
        () => undefined,
      );
      pending.push(answered);
      inFlight.set(clientMessageId, answered);
    };
    /**
     * Disconnects inside the listener for the sender's own echo of `clientMessageId`, so the
     * acknowledgement behind it is never handled; or after the answer, if no echo comes first.
     */
    const dropOnEcho = (socket: ClientSocket, clientMessageId: string, answered: Promise<void>) =>
      new Promise<void>((resolve) => {
        const onEcho = ({ message }: Json) => {
          if (message.threadId === threadId && message.senderId === provider.sub) {
            if (message.clientMessageId === clientMessageId) done();
          }
        };
        const done = () => {
          socket.off('message.new', onEcho);
          socket.disconnect();
          resolve();
        };
        // Heard already: its acknowledgement may be on its way, or in.
        if (echoed.has(clientMessageId)) return done();
        socket.on('message.new', onEcho);
        void answered.then(done);
      });
    const overRest = async (clientMessageId: string) => {
      const reply = await call(provider, 'POST', `/threads/${threadId}/messages`, payload(clientMessageId));
      if (reply.status === 201) {
        acked.add(clientMessageId);
        outcome.acks.push({ clientMessageId, over: 'rest', message: reply.body });
      } else outcome.refusals.push({ clientMessageId, over: 'rest', answer: reply });
    };
    const settle = async () => {
      const waiting = pending;
      pending = [];
      await Promise.all(waiting);
    };

    for (const next of plan) {
      if (next.do === 'emit') {
        const clientMessageId = `m-${outcome.intended.size}`;
        outcome.intended.set(clientMessageId, `${provider.name}: ${clientMessageId} ${randomUUID()}`);
        overSocket(outcome.socket, clientMessageId);
      } else if (next.do === 'settle') {
        await settle();
      } else {
        const oldest = [...inFlight.keys()].find((id) => !acked.has(id));
        if (next.at === 'onEcho' && oldest !== undefined) {
          await dropOnEcho(outcome.socket, oldest, inFlight.get(oldest)!);
        } else outcome.socket.disconnect();
        inFlight = new Map();
        // The client rejects every outstanding acknowledgement on disconnect; some may have come in just before.
        await settle();
        outcome.socket = listen(await connect(provider, opened));
        const unacknowledged = [...outcome.intended.keys()].filter((id) => !acked.has(id));
        for (const [index, clientMessageId] of unacknowledged.entries()) {
          const rest = next.retryOver === 'rest' || (next.retryOver === 'alternate' && index % 2 === 0);
          if (rest) await overRest(clientMessageId);
          else overSocket(outcome.socket, clientMessageId);
        }
      }
    }
    await settle();
    return outcome;
  }

  /** Everything a provider's socket catches up on from the start, page by page. */
  async function catchUp(socket: ClientSocket, threadId: string): Promise<Json[]> {
    const messages: Json[] = [];
    let afterSeq = 0;
    for (;;) {
      const page: Json = await socket.emitWithAck('thread.join', { threadId, afterSeq });
      if (page.ok !== true) throw new Error(`catch-up refused: ${JSON.stringify(page)}`);
      messages.push(...page.messages);
      if (page.nextAfter === null) return messages;
      afterSeq = page.nextAfter;
    }
  }

  it('every participant catches up on 1..n, each intended message exactly once and as acknowledged', async () => {
    await fc.assert(
      fc.asyncProperty(plans, async (senderPlans) => {
        const senders = team.slice(0, senderPlans.length);
        const opened: ClientSocket[] = [];
        try {
          const thread = await call(therapist, 'POST', '/threads', {
            clientId,
            subject: 'Property run',
            participantIds: senders.slice(1).map((provider) => provider.sub),
          });
          expect(thread.status).toBe(201);
          const threadId = thread.body.threadId as string;

          const outcomes = await Promise.all(
            senders.map((provider, index) => runSender(provider, threadId, senderPlans[index], opened)),
          );
          expect(outcomes.flatMap((outcome) => outcome.refusals)).toEqual([]);

          const views = await Promise.all(outcomes.map((outcome) => catchUp(outcome.socket, threadId)));
          for (const view of views.slice(1)) expect(view).toEqual(views[0]);
          const stored = views[0];

          expect(stored.map((message) => message.seq)).toEqual(stored.map((_, index) => index + 1));
          const keys = stored.map((message) => `${message.senderId} ${message.clientMessageId}`);
          expect(new Set(keys).size).toBe(keys.length);

          const notes = stored.filter((message) => message.kind !== 'system');
          const expected = outcomes.flatMap((outcome) =>
            [...outcome.intended].map(([clientMessageId, text]) => ({
              senderId: outcome.provider.sub,
              clientMessageId,
              text,
            })),
          );
          const byKey = (a: { senderId: string; clientMessageId: string }, b: typeof a) =>
            `${a.senderId} ${a.clientMessageId}`.localeCompare(`${b.senderId} ${b.clientMessageId}`);
          expect(
            notes
              .map((message) => ({
                senderId: message.senderId,
                clientMessageId: message.clientMessageId,
                text: message.body.text,
              }))
              .sort(byKey),
          ).toEqual(expected.sort(byKey));

          for (const outcome of outcomes) {
            for (const ack of outcome.acks) {
              const original = stored.find(
                (message) =>
                  message.senderId === outcome.provider.sub && message.clientMessageId === ack.clientMessageId,
              );
              expect(ack.message).toEqual(original);
            }
          }
        } finally {
          for (const socket of opened) socket.disconnect();
        }
      }),
      // Shrinking replays runs over the wire: stop it before Jest's timeout so the report still prints.
      { numRuns: 20, plugins: [fc.interruptAfterTimeLimit(75_000, { failOnInterrupt: true })] },
    );
  }, 100_000);
});
