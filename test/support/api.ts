import { randomUUID } from 'node:crypto';
import type { Clock } from '@sharedcare/common';
import type { TestGateway } from './gateway-app.js';

/** Any JSON answer; the assertions check its fields. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>;
export interface Reply {
  status: number;
  body: Json;
}

/** A provider as their access token describes them. */
export interface TestProvider {
  sub: string;
  org: string;
  role: string;
  name: string;
  cred: string;
}

export function testProvider(role: string, org: string, name = `Test ${role}`, cred = 'other'): TestProvider {
  return { sub: randomUUID(), org, role, name, cred };
}

/**
 * Calls the test gateway's REST API as `provider`, with a token minted at the clock's time (so a
 * test that moves its clock keeps valid tokens). Any gateway that trusts `issuer` will do, a
 * process started with AUTH_JWKS_URL pointing at its keys too.
 */
export function apiAs(gateway: Pick<TestGateway, 'url' | 'issuer'>, clock?: Clock) {
  return async (provider: TestProvider, method: string, path: string, body?: unknown): Promise<Reply> => {
    const nowSeconds = clock ? Math.floor(clock.now().getTime() / 1000) : undefined;
    const token = await gateway.issuer.mint({ claims: { ...provider }, nowSeconds });
    const response = await fetch(`${gateway.url}/api${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Json };
  };
}

/** Registers a client as `owner` (who joins its care team); its id. */
export async function registerClient(call: ReturnType<typeof apiAs>, owner: TestProvider): Promise<string> {
  const created = await call(owner, 'POST', '/clients', { displayName: 'Jordan Lee', dateOfBirth: '1990-04-12' });
  if (created.status !== 201) throw new Error(`client not registered: ${created.status}`);
  return created.body.clientId as string;
}

/** `owner` records the client's consent for `recipientIds` in `categories`, until `expiresAt`; its id. */
export async function grantConsent(
  call: ReturnType<typeof apiAs>,
  owner: TestProvider,
  clientId: string,
  recipientIds: string[],
  categories: string[],
  expiresAt: Date,
): Promise<string> {
  const granted = await call(owner, 'POST', `/clients/${clientId}/consents`, {
    recipientIds,
    categories,
    purpose: 'treatment',
    expiresAt: expiresAt.toISOString(),
    attestation: { method: 'signature_on_file', signerName: 'Jordan Lee' },
  });
  if (granted.status !== 201) throw new Error(`consent not granted: ${granted.status}`);
  return granted.body.consentId as string;
}

/** `owner` opens a thread about the client with `participantIds`; its id. */
export async function openThread(
  call: ReturnType<typeof apiAs>,
  owner: TestProvider,
  clientId: string,
  participantIds: string[],
  subject = 'Consult',
): Promise<string> {
  const thread = await call(owner, 'POST', '/threads', { clientId, subject, participantIds });
  if (thread.status !== 201) throw new Error(`thread not opened: ${thread.status} ${JSON.stringify(thread.body)}`);
  return thread.body.threadId as string;
}

/** GET /api/me with `token` until the gateway refuses it or `deadline` (epoch ms) passes: the last answer. */
export async function refusedAfter(
  gatewayUrl: string,
  token: string,
  deadline: number,
): Promise<{ status: number; body: unknown }> {
  for (;;) {
    const response = await fetch(`${gatewayUrl}/api/me`, { headers: { authorization: `Bearer ${token}` } });
    if (response.status !== 200 || Date.now() > deadline)
      return { status: response.status, body: await response.json() };
    await response.body?.cancel();
    // Polling: nothing announces the moment REST starts refusing.
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
