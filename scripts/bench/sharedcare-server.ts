/**
 * The consult service under benchmark, a child process of `scripts/bench.ts`: the real application
 * (createGatewayApp, as main.ts starts it) on the benchmark's database, trusting the orchestrator's
 * token key instead of an auth service. Seeding goes through the services themselves.
 */
import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, type JWK } from 'jose';
import { DataSource } from 'typeorm';
import type { AuthContext } from '@sharedcare/auth';
import { ClientsService, ConsentsService } from '@sharedcare/consent';
import { ThreadsService } from '@sharedcare/consult';
import { DirectoryService } from '@sharedcare/directory';
import { readGatewayConfig } from '../../apps/gateway/src/config/gateway-config.js';
import { createGatewayApp } from '../../apps/gateway/src/gateway-app.js';
import { type SeededThread, serveBenchControl } from './bench-control.js';
import { BENCH_AUDIENCE, BENCH_ISSUER } from './bench-names.js';

const organisationId = process.env.BENCH_ORGANISATION as string;
const keys = createLocalJWKSet({ keys: [JSON.parse(process.env.BENCH_JWK as string) as JWK] });
const config = {
  ...readGatewayConfig({
    DATA_DIR: mkdtempSync(join(tmpdir(), 'sharedcare-bench-')),
    LOG_LEVEL: 'silent',
    GATEWAY_MASTER_KEY: randomBytes(32).toString('base64'),
    // The benchmark measures speed, not the per-provider event budget.
    SOCKET_EVENT_BUDGET: '100000',
    GATEWAY_METRICS_PORT: '0',
  }),
  port: 0,
  auth: { url: BENCH_ISSUER, jwksUrl: `${BENCH_ISSUER}/jwks`, issuer: BENCH_ISSUER, audience: BENCH_AUDIENCE },
};
const database = { url: process.env.DATABASE_URL as string, embedded: false, stop: async () => undefined };
const app = await createGatewayApp({ config, database, keys, directorySync: false });

const caller = (providerId: string, role: 'therapist' | 'psychiatrist'): AuthContext => ({
  providerId,
  organisationId,
  role,
  displayName: `Bench ${role}`,
  credential: role === 'therapist' ? 'LCSW' : 'MD',
  sessionId: 'bench',
  tokenId: 'bench',
  issuedAt: new Date(),
  expiresAt: new Date(Date.now() + 3_600_000),
});

/** One shared client, consent and thread for a therapist and a psychiatrist. */
async function seedPair(): Promise<SeededThread> {
  const therapist = caller(randomUUID(), 'therapist');
  const psychiatrist = caller(randomUUID(), 'psychiatrist');
  for (const who of [therapist, psychiatrist]) await app.get(DirectoryService).noteCaller(who);
  const client = await app
    .get(ClientsService)
    .create(therapist, { displayName: 'Bench Client', dateOfBirth: '1990-01-01' });
  await app.get(ConsentsService).grant(therapist, client.clientId, {
    recipientIds: [psychiatrist.providerId],
    categories: ['general'],
    purpose: 'treatment',
    expiresAt: new Date(Date.now() + 86_400_000),
    attestation: { method: 'verbal', signerName: 'Bench Client' },
  });
  const thread = await app.get(ThreadsService).create(therapist, {
    clientId: client.clientId,
    subject: 'Bench',
    participantIds: [psychiatrist.providerId],
  });
  return { threadId: thread.threadId, providerIds: [therapist.providerId, psychiatrist.providerId] };
}

serveBenchControl({
  async seed(pairs: number) {
    const threads: SeededThread[] = [];
    // A few at a time: seeding is setup, not what is measured.
    for (let i = 0; i < pairs; i += 8) {
      threads.push(...(await Promise.all(Array.from({ length: Math.min(8, pairs - i) }, seedPair))));
    }
    // A database in service has planner statistics (autovacuum analyzes tables as they grow); a
    // freshly seeded one has none until autovacuum's next pass, and the planner guesses meanwhile.
    await app.get(DataSource).query('ANALYZE');
    return { threads };
  },
  async listen() {
    await app.listen(0, '127.0.0.1');
    return { port: Number(new URL(await app.getUrl()).port) };
  },
  stop: () => app.close(),
});
