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
 * test that moves its clock keeps valid tokens).
 */
export function apiAs(gateway: TestGateway, clock?: Clock) {
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
