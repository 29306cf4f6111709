import { randomUUID } from 'node:crypto';
import type { Socket as ClientSocket } from 'socket.io-client';
import { describeEndpoints } from '@sharedcare/auth';
import { MetricsEndpoint, UNMATCHED_ROUTE } from '@sharedcare/common';
import {
  apiAs,
  grantConsent,
  openThread,
  registerClient,
  type Json,
  type TestProvider,
  testProvider,
} from '../../../../test/support/api.js';
import { connectOutcome, startTestGateway, type TestGateway } from '../../../../test/support/gateway-app.js';
import { allowedLabels, labelsOutside, scrape, type Sample, valueOf } from '../../../../test/support/metrics.js';
import { servedPath } from '../gateway-app.js';

const org = randomUUID();
const therapist = testProvider('therapist', org, 'Dana Reyes', 'LCSW');
const psychiatrist = testProvider('psychiatrist', org, 'Sam Okafor', 'MD');
/** Put where a careless label would pick it up: paths, event names, bodies. */
const MARKER = 'Jordan-Lee-1990-04-12';

function next<T = Json>(socket: ClientSocket, event: string): Promise<T> {
  return new Promise((resolve) => socket.once(event, (payload: T) => resolve(payload)));
}

/**
 * The consult service's Prometheus endpoint after REST and socket traffic, refused and not: each
 * figure the issue asks for is there, and no label carries an id, a name or a free-form value.
 */
describe('consult service metrics', () => {
  let gateway: TestGateway;
  let call: ReturnType<typeof apiAs>;
  let metricsUrl: string;
  let threadId: string;
  let samples: Sample[];
  let text: string;
  const sockets: ClientSocket[] = [];

  async function connect(provider: TestProvider, requestId?: string): Promise<ClientSocket> {
    const socket = gateway.socket({
      auth: { token: await gateway.issuer.mint({ claims: { ...provider } }) },
      ...(requestId ? { extraHeaders: { 'x-request-id': requestId } } : {}),
    });
    expect(await connectOutcome(socket)).toEqual({ connected: true });
    sockets.push(socket);
    return socket;
  }

  const note = (text: string) => ({
    clientMessageId: randomUUID(),
    kind: 'note',
    category: 'general',
    body: { text },
  });

  beforeAll(async () => {
    gateway = await startTestGateway();
    call = apiAs(gateway);
    metricsUrl = gateway.app.get(MetricsEndpoint).url as string;
    await call(psychiatrist, 'GET', '/me');
    const clientId = await registerClient(call, therapist);
    await grantConsent(call, therapist, clientId, [psychiatrist.sub], ['general'], new Date(Date.now() + 86_400_000));
    threadId = await openThread(call, therapist, clientId, [psychiatrist.sub]);

    // REST: a send, and refusals of every kind the transport can produce.
    expect((await call(therapist, 'POST', `/threads/${threadId}/messages`, note(MARKER))).status).toBe(201);
    expect(
      (await call(therapist, 'POST', `/threads/${threadId}/messages`, { kind: 'note', body: MARKER })).status,
    ).toBe(400);
    expect((await call(therapist, 'GET', `/threads/${randomUUID()}`)).status).toBe(404);
    expect((await call(therapist, 'GET', `/clients/${MARKER}@example.org`)).status).toBe(400);
    expect((await call(therapist, 'GET', `/no-such-route/${MARKER}`)).status).toBe(404);
    expect((await fetch(`${gateway.url}/api/me`)).status).toBe(401);
    const plain = await fetch(`${gateway.url}/api/clients`, { method: 'POST', body: MARKER });
    expect(plain.status).toBe(415);

    // Live: a send that reaches the other side, refusals with and without an acknowledgement,
    // an event no handler has, and a handshake refused.
    const dana = await connect(therapist, `handshake-${MARKER}`);
    const sam = await connect(psychiatrist);
    expect(await sam.emitWithAck('thread.join', { threadId })).toMatchObject({ ok: true });
    const arriving = next(sam, 'message.new');
    expect(await dana.emitWithAck('message.send', { threadId, ...note(MARKER) })).toMatchObject({ ok: true });
    await arriving;
    expect(await dana.emitWithAck('thread.join', { threadId: randomUUID() })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    expect(await dana.emitWithAck('message.send', { threadId, kind: MARKER })).toMatchObject({
      ok: false,
      error: { code: 'invalid' },
    });
    const refusedWithoutAck = next(dana, 'error');
    dana.emit('thread.join', { threadId: MARKER });
    expect(await refusedWithoutAck).toMatchObject({ code: 'invalid' });
    // No handler answers an unknown event; an event the gateway does answer shows it was handled.
    dana.emit(`patient:${MARKER}`, {});
    expect(await dana.emitWithAck('thread.leave', { threadId })).toEqual({ ok: true });
    const stranger = gateway.socket({ auth: { token: MARKER } });
    expect(await connectOutcome(stranger)).toMatchObject({ connected: false });

    ({ samples, text } = await scrape(metricsUrl));
  });
  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await gateway?.stop();
  });

  it('labels only with values from a fixed allow-list: route templates, event names, codes', () => {
    const endpoints = describeEndpoints(gateway.app, servedPath);
    const allowed = allowedLabels({
      routes: [
        ...endpoints.filter((row) => row.transport === 'http').map((row) => row.endpoint.split(' ')[1]),
        UNMATCHED_ROUTE,
      ],
      events: [
        ...endpoints.filter((row) => row.transport === 'socket.io').map((row) => row.endpoint.split(' ')[1]),
        'other',
      ],
    });
    expect(labelsOutside(samples, allowed)).toEqual([]);
    expect(text).not.toContain(MARKER);
    expect(text).not.toContain(threadId);
    expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/);
  });

  it('counts HTTP requests by route template and status class, and refusals by code', () => {
    const requests = (route: string, method: string, statusClass: string) =>
      valueOf(samples, 'sharedcare_http_requests_total', { method, route, status_class: statusClass });
    expect(requests('/api/threads/:threadId/messages', 'POST', '2xx')).toBe(1);
    expect(requests('/api/threads/:threadId/messages', 'POST', '4xx')).toBe(1);
    expect(requests('/api/threads/:threadId', 'GET', '4xx')).toBe(1);
    // The unknown path and the body refused before routing (415).
    expect(requests(UNMATCHED_ROUTE, 'GET', '4xx')).toBe(1);
    expect(requests(UNMATCHED_ROUTE, 'POST', '4xx')).toBe(1);
    const refusals = (code: string, transport: string) =>
      valueOf(samples, 'sharedcare_refusals_total', { code, transport });
    expect([refusals('invalid', 'http'), refusals('not_found', 'http'), refusals('unauthenticated', 'http')]).toEqual([
      3, 2, 1,
    ]);
    expect([
      refusals('invalid', 'socket'),
      refusals('not_found', 'socket'),
      refusals('unauthenticated', 'socket'),
      refusals('internal', 'socket'),
    ]).toEqual([2, 1, 1, 0]);
  });

  it('counts socket events by name, unknown names as other, and the sockets open', () => {
    const events = (event: string) => valueOf(samples, 'sharedcare_socket_events_received_total', { event });
    expect([events('thread.join'), events('message.send'), events('thread.leave'), events('other')]).toEqual([
      3, 2, 1, 1,
    ]);
    expect(events('typing')).toBe(0);
    expect(valueOf(samples, 'sharedcare_socket_connections')).toBe(2);
  });

  it('times each successful send to its acknowledgement and to its fan-out, socket and REST apart', () => {
    for (const transport of ['socket', 'http']) {
      expect(valueOf(samples, 'sharedcare_message_send_ack_seconds_count', { transport })).toBe(1);
      expect(valueOf(samples, 'sharedcare_message_send_deliver_seconds_count', { transport })).toBe(1);
      const acked = valueOf(samples, 'sharedcare_message_send_ack_seconds_sum', { transport }) as number;
      const delivered = valueOf(samples, 'sharedcare_message_send_deliver_seconds_sum', { transport }) as number;
      expect(delivered).toBeGreaterThan(0);
      // The fan-out happens before the answer is sent.
      expect(delivered).toBeLessThanOrEqual(acked);
    }
  });

  it('reports the database pool and the process', () => {
    const max = valueOf(samples, 'sharedcare_db_pool_max_connections');
    expect(max).toBe(process.env.DATABASE_URL ? 10 : 1);
    expect(valueOf(samples, 'sharedcare_db_pool_connections')).toBeLessThanOrEqual(max as number);
    // Reported, as a count: background work (audit linking after the sends) may hold the embedded
    // database's one connection with another caller waiting as the metrics are read.
    const waiting = valueOf(samples, 'sharedcare_db_pool_waiting_clients') as number;
    expect(Number.isInteger(waiting) && waiting >= 0).toBe(true);
    expect(valueOf(samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
  });

  it('serves metrics on their own listener only', async () => {
    expect(new URL(metricsUrl).port).not.toBe(new URL(gateway.url).port);
    expect(new URL(metricsUrl).hostname).toBe('127.0.0.1');
    expect((await fetch(`${gateway.url}/metrics`)).status).toBe(404);
    expect((await fetch(`${gateway.url}/api/metrics`)).status).toBe(404);
    expect((await fetch(new URL('/', metricsUrl))).status).toBe(404);
  });
});
