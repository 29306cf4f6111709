import { randomUUID } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import { totpCode } from '../../apps/auth/src/mfa/totp.js';
import { DEMO_PASSWORD, demoLogin, type Tokens } from '../support/demo.js';
import { allowedLabels, labelsOutside, parseExposition, scrape } from '../support/metrics.js';
import { type Platform, readInternalApiKey, startPlatform } from '../support/services.js';

type Json = Record<string, unknown>;
interface LogLine extends Json {
  reqId?: string;
  msg?: string;
  level: number;
}

/** Distinctive clinical and personal strings: none may reach a log line, wherever they were sent. */
const tag = randomUUID().slice(0, 8);
const MARKERS = {
  clientName: `Quillon Marsh ${tag}`,
  dateOfBirth: '1957-03-14',
  externalId: `MRN-${tag}`,
  signer: `Ottoline Marsh ${tag}`,
  subject: `Night terrors ${tag}`,
  note: `Reports intrusive memories of the accident ${tag}`,
  symptoms: `Sleeping three hours a night ${tag}`,
  medication: `Zyntrazolam-${tag}`,
  medicationReason: `Nightmares unresponsive to prazosin ${tag}`,
  referral: `Wants trauma-focused therapy ${tag}`,
  safetySummary: `Has access to a firearm at home ${tag}`,
  safetyActions: `Brother agreed to store the firearm ${tag}`,
  refusedNote: `Refused note about the custody hearing ${tag}`,
  malformed: `Malformed body naming the overdose ${tag}`,
  providerName: `Perpetua Vance ${tag}`,
  planVersion: `Reviewed after the overdose ${tag}`,
};
const PASSWORD = `Hygiene-Passphrase-${tag}`;
const WRONG_PASSWORD = `Wrong-Passphrase-${tag}`;
const HANDSHAKE_ID = `hygiene-socket-${tag}`;

/**
 * Log hygiene (issue 7) with both services as processes at their most verbose level: traffic
 * carrying passwords, tokens, TOTP secrets and clinical text of every message kind, over REST and
 * socket.io, accepted and refused; then every line both wrote is read.
 * None carries a marker, a token or a password; every line is JSON; request and socket-event lines
 * carry their request id.
 */
describe('log hygiene, end to end', () => {
  let platform: Platform;
  const secrets: string[] = [PASSWORD, WRONG_PASSWORD, DEMO_PASSWORD];
  /** Six digits can occur inside any number; as a JSON string value they would be the code itself. */
  const totpCodes: string[] = [];
  const sockets: Socket[] = [];
  let lines: { service: string; line: LogLine }[] = [];
  const unparsed: string[] = [];
  const metricsTexts: string[] = [];

  const auth = (path: string, body: unknown, token?: string, init: RequestInit = {}) =>
    fetch(`${platform.auth.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
      ...init,
    });
  async function api(
    token: string,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: Json }> {
    const response = await fetch(`${platform.gateway.url}/api${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Json };
  }
  function keep(tokens: Partial<Tokens> & { mfaToken?: string }): void {
    for (const value of [tokens.accessToken, tokens.refreshToken, tokens.mfaToken]) if (value) secrets.push(value);
  }
  async function login(email: string): Promise<string> {
    const response = await demoLogin(platform.auth.url, email);
    expect(response.status).toBe(200);
    const tokens = (await response.json()) as Tokens;
    keep(tokens);
    return tokens.accessToken;
  }
  async function connect(token: string, requestId?: string): Promise<Socket> {
    const socket = io(`${platform.gateway.url}/consult`, {
      auth: { token },
      reconnection: false,
      forceNew: true,
      ...(requestId ? { extraHeaders: { 'x-request-id': requestId } } : {}),
    });
    sockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    return socket;
  }

  beforeAll(async () => {
    platform = await startPlatform({ LOG_LEVEL: 'trace' });
  });
  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await platform?.stop();
  });

  it('signs up, logs in with MFA, refreshes, and is refused, over the auth service', async () => {
    const admin = await login('admin@demo.test');
    const email = `hygiene.${tag}@clinic.test`;
    const invite = await auth('/auth/invites', { email, role: 'therapist' }, admin);
    expect(invite.status).toBe(201);
    const { inviteCode } = (await invite.json()) as { inviteCode: string };
    secrets.push(inviteCode);
    const registration = {
      inviteCode,
      email,
      password: PASSWORD,
      displayName: MARKERS.providerName,
      role: 'therapist',
      credential: 'LCSW',
      npi: '1234567893',
      licenseState: 'CA',
      licenseNumber: 'LCSW-12345',
    };
    // Refused first (a bad NPI), with the password and name in the body.
    expect((await auth('/auth/register', { ...registration, npi: '1234567890' })).status).toBe(400);
    expect((await auth('/auth/register', registration)).status).toBe(201);

    const first = await auth('/auth/login', { email, password: PASSWORD });
    expect(first.status).toBe(200);
    const tokens = (await first.json()) as Tokens;
    keep(tokens);
    expect((await auth('/auth/login', { email, password: WRONG_PASSWORD })).status).toBe(401);
    expect((await auth('/auth/login', `{"email":"${email}","password":"${WRONG_PASSWORD}`)).status).toBe(400);

    // MFA: enrol with the password, confirm with a code, then log in with the MFA token and a code.
    const enrolled = await auth('/auth/mfa/enroll', { password: PASSWORD }, tokens.accessToken);
    expect(enrolled.status).toBe(200);
    const { secret, otpauthUrl } = (await enrolled.json()) as { secret: string; otpauthUrl: string };
    secrets.push(secret, otpauthUrl);
    const confirmCode = await totpCode(secret, new Date());
    totpCodes.push(confirmCode);
    expect((await auth('/auth/mfa/confirm', { code: confirmCode }, tokens.accessToken)).status).toBeLessThan(300);
    const challenged = await auth('/auth/login', { email, password: PASSWORD });
    const { mfaToken } = (await challenged.json()) as { mfaRequired: boolean; mfaToken: string };
    keep({ mfaToken });
    expect((await auth('/auth/mfa/verify', { mfaToken, code: '000000' })).status).toBe(401);
    // The next time step: the confirmation used this one, and a code is never accepted twice.
    const verifyCode = await totpCode(secret, new Date(Date.now() + 30_000));
    totpCodes.push(verifyCode);
    const verified = await auth('/auth/mfa/verify', { mfaToken, code: verifyCode });
    expect(verified.status).toBe(200);
    const afterMfa = (await verified.json()) as Tokens;
    keep(afterMfa);

    const refreshed = await auth('/auth/refresh', { refreshToken: afterMfa.refreshToken });
    expect(refreshed.status).toBe(200);
    keep((await refreshed.json()) as Tokens);
    // A reused refresh token is refused (and revokes its family).
    expect((await auth('/auth/refresh', { refreshToken: afterMfa.refreshToken })).status).toBe(401);
  });

  it('sends every message kind over REST and socket.io, and is refused, over the consult service', async () => {
    const [dana, sam] = await Promise.all([login('therapist@demo.test'), login('psychiatrist@demo.test')]);
    const psychiatristId = (await api(sam, 'GET', '/me')).body.providerId as string;
    const client = await api(dana, 'POST', '/clients', {
      displayName: MARKERS.clientName,
      dateOfBirth: MARKERS.dateOfBirth,
      externalId: MARKERS.externalId,
    });
    expect(client.status).toBe(201);
    const clientId = client.body.clientId as string;
    const consent = await api(dana, 'POST', `/clients/${clientId}/consents`, {
      recipientIds: [psychiatristId],
      categories: ['general', 'symptoms', 'medications', 'safety_plan'],
      purpose: 'treatment',
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
      attestation: { method: 'signature_on_file', signerName: MARKERS.signer },
    });
    expect(consent.status).toBe(201);
    const thread = await api(dana, 'POST', '/threads', {
      clientId,
      subject: MARKERS.subject,
      participantIds: [psychiatristId],
    });
    expect(thread.status).toBe(201);
    const threadId = thread.body.threadId as string;
    // A safety plan version's label is clinical text too; it is named, listed and compared.
    const named = await api(sam, 'POST', `/clients/${clientId}/safety-plan/named-versions`, {
      label: MARKERS.planVersion,
    });
    expect(named.status).toBe(201);
    expect((await api(dana, 'GET', `/clients/${clientId}/safety-plan/named-versions`)).status).toBe(200);
    expect(
      (await api(dana, 'GET', `/clients/${clientId}/safety-plan/compare?from=${named.body.id as string}`)).status,
    ).toBe(200);

    const messages = [
      { kind: 'note', category: 'general', body: { text: MARKERS.note } },
      {
        kind: 'symptom_update',
        category: 'symptoms',
        body: {
          text: MARKERS.symptoms,
          measures: [{ instrument: 'PHQ-9', items: [3, 3, 2, 2, 1, 1, 1, 1, 0], score: 14, observedAt: new Date() }],
        },
      },
      {
        kind: 'medication_change',
        category: 'medications',
        body: {
          action: 'start',
          medication: { name: MARKERS.medication },
          dose: { value: 1, unit: 'mg' },
          effectiveDate: new Date().toISOString().slice(0, 10),
          reason: MARKERS.medicationReason,
        },
      },
      {
        kind: 'referral',
        category: 'general',
        body: {
          direction: 'to_psychiatry',
          reasons: ['severe_or_persistent_symptoms'],
          urgency: 'soon',
          notes: MARKERS.referral,
        },
      },
      {
        kind: 'safety_concern',
        category: 'safety_plan',
        body: { riskLevel: 'high', summary: MARKERS.safetySummary, actionsTaken: MARKERS.safetyActions },
      },
    ];
    for (const message of messages) {
      const sent = await api(dana, 'POST', `/threads/${threadId}/messages`, {
        clientMessageId: randomUUID(),
        ...message,
      });
      expect(sent.status).toBe(201);
    }
    expect(
      (
        await api(dana, 'POST', `/threads/${threadId}/messages`, {
          clientMessageId: randomUUID(),
          kind: 'note',
          category: 'general',
          body: { text: MARKERS.refusedNote, diagnosis: MARKERS.refusedNote },
        })
      ).status,
    ).toBe(400);
    expect((await api(dana, 'POST', '/clients', `{"displayName":"${MARKERS.malformed}`)).status).toBe(400);
    const plain = await fetch(`${platform.gateway.url}/api/clients`, {
      method: 'POST',
      headers: { authorization: `Bearer ${dana}`, 'content-type': 'text/plain' },
      body: MARKERS.malformed,
    });
    expect(plain.status).toBe(415);

    // A NUL character (PostgreSQL text cannot hold one) is refused by validation, never echoed.
    const nul = await fetch(`${platform.gateway.url}/api/providers?query=%00${encodeURIComponent(MARKERS.note)}`, {
      headers: { authorization: `Bearer ${dana}` },
    });
    expect(nul.status).toBe(400);

    const therapist = await connect(dana, HANDSHAKE_ID);
    const psychiatrist = await connect(sam);
    expect(await psychiatrist.emitWithAck('thread.join', { threadId, afterSeq: 0 })).toMatchObject({ ok: true });
    for (const message of messages) {
      const arriving = new Promise((resolve) => psychiatrist.once('message.new', resolve));
      const sent = await therapist.emitWithAck('message.send', { threadId, clientMessageId: randomUUID(), ...message });
      expect(sent).toMatchObject({ ok: true });
      await arriving;
    }
    expect(
      await therapist.emitWithAck('message.send', {
        threadId,
        clientMessageId: randomUUID(),
        kind: 'medication_change',
        category: 'medications',
        body: { action: MARKERS.refusedNote, medication: { name: MARKERS.medication } },
      }),
    ).toMatchObject({ ok: false, error: { code: 'invalid' } });
    const refusedWithoutAck = new Promise((resolve) => therapist.once('error', resolve));
    therapist.emit('message.send', { threadId, kind: 'note', body: { text: MARKERS.refusedNote } });
    await refusedWithoutAck;
    therapist.emit(MARKERS.clientName, { text: MARKERS.note });
    expect(await therapist.emitWithAck('thread.leave', { threadId })).toEqual({ ok: true });

    for (const service of [platform.auth, platform.gateway]) metricsTexts.push((await scrape(service.metricsUrl)).text);
  });

  it('writes only JSON lines, with no marker, token, password or key in any of them', async () => {
    for (const socket of sockets) socket.disconnect();
    expect(await platform.gateway.stop('SIGTERM')).toBe(0);
    expect(await platform.auth.stop('SIGTERM')).toBe(0);
    lines = [];
    for (const [service, output] of [
      ['auth', platform.auth.output()],
      ['gateway', platform.gateway.output()],
    ]) {
      for (const text of output.split('\n').filter((line) => line.trim() !== '')) {
        try {
          lines.push({ service, line: JSON.parse(text) as LogLine });
        } catch {
          unparsed.push(text);
        }
      }
    }
    expect(unparsed).toEqual([]);
    // Verbose enough that nothing hid: debug lines (socket events on arrival) are there.
    expect(lines.some(({ line }) => line.level <= 20)).toBe(true);

    const everything = [platform.auth.output(), platform.gateway.output()].join('\n');
    const internalKey = readInternalApiKey(platform);
    const forbidden = [
      ...Object.values(MARKERS),
      ...secrets,
      ...secrets.filter((secret) => secret.split('.').length === 3).flatMap((jwt) => jwt.split('.').slice(1)),
      internalKey.toString('base64'),
      internalKey.toString('base64url'),
    ];
    expect(forbidden.filter((value) => everything.includes(value))).toEqual([]);
    expect(totpCodes.filter((code) => everything.includes(`"${code}"`))).toEqual([]);
  });

  it('gives every request line and socket-event line its request id', () => {
    const requestLines = lines.filter(({ line }) => line.req !== undefined);
    expect(requestLines.length).toBeGreaterThan(20);
    for (const { line } of requestLines) expect(line.reqId).toBe((line.req as { id: string }).id);

    const eventLines = lines.filter(({ line }) => typeof line.event === 'string');
    const handshakeLines = eventLines.filter(({ line }) => line.reqId?.startsWith(`${HANDSHAKE_ID}:`));
    for (const { line } of eventLines) expect(line.reqId).toMatch(/^[\w-]{8,64}:\d+$/);
    // The therapist's socket: five sends and a leave answered, two sends refused, each its own id.
    const said = (msg: string) => handshakeLines.filter(({ line }) => line.msg === msg).map(({ line }) => line.reqId);
    expect(said('socket event completed')).toHaveLength(6);
    expect(said('socket event refused')).toHaveLength(2);
    const ids = [...said('socket event completed'), ...said('socket event refused')];
    expect(new Set(ids).size).toBe(ids.length);
    expect(lines.find(({ line }) => line.msg === 'socket connected' && line.reqId === HANDSHAKE_ID)).toBeDefined();

    for (const { line } of lines.filter(({ line }) => line.level >= 50)) expect(line.reqId).toBeDefined();
  });

  it('serves metrics whose labels hold no name, id or marker', () => {
    // Routes and events by shape here (the medium test holds the exact lists): literal segments of
    // lowercase letters, dots and dashes, or :parameters; no digit, capital, @ or space gets through.
    const allowed = allowedLabels({
      routes: /^(unmatched|(\/([a-z.-]+|:[a-zA-Z]+))+)$/,
      events: /^(other|[a-z][a-zA-Z]*(\.[a-zA-Z]+)*)$/,
    });
    for (const text of metricsTexts) {
      expect(labelsOutside(parseExposition(text), allowed)).toEqual([]);
      expect(Object.values(MARKERS).filter((value) => text.includes(value))).toEqual([]);
      expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/);
    }
    expect(metricsTexts[1]).toContain('sharedcare_message_send_ack_seconds_count{transport="socket"} 5');
    expect(metricsTexts[1]).toContain('sharedcare_message_send_ack_seconds_count{transport="http"} 5');
  });
});
