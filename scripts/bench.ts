/**
 * `npm run bench` (after a build): how fast a message goes from a sender's socket to its
 * acknowledgement and to the recipient's socket, against a raw baseline measured in the same run
 * on the same database: the SQL a send cannot do without (take the next sequence number, insert
 * the row) in one transaction, straight through `pg`. Medians and ratios, on the embedded database
 * by default or DATABASE_URL. The machine is small and noisy: read the ratios, not the milliseconds.
 */
import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT } from 'jose';
import pg from 'pg';
import { io, type Socket } from 'socket.io-client';
import { type DatabaseHandle, openDatabase } from '@sharedcare/common';
import { ClientsService, ConsentsService } from '@sharedcare/consent';
import { ThreadsService } from '@sharedcare/consult';
import { DirectoryService } from '@sharedcare/directory';
import type { AuthContext } from '@sharedcare/auth';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readGatewayConfig } from '../apps/gateway/src/config/gateway-config.js';
import { createGatewayApp } from '../apps/gateway/src/gateway-app.js';

const SENDS = Number(process.env.BENCH_SENDS ?? 300);
const ISSUER = 'http://bench.invalid';
const AUDIENCE = 'sharedcare-api';

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const p95 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.95)];
const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

/**
 * With DATABASE_URL, a database of its own on that server (created here, dropped at the end), never
 * the one the URL names; otherwise the embedded database in a temporary folder.
 */
async function benchDatabase(dataDir: string): Promise<DatabaseHandle> {
  const base = process.env.DATABASE_URL;
  if (!base) return openDatabase(undefined, join(dataDir, 'pgdata'), 'bench');
  const name = `sharedcare_bench_${randomBytes(6).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: base });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  return { url: url.toString(), embedded: false, stop: () => admin(`DROP DATABASE ${name} WITH (FORCE)`) };
}

async function main(): Promise<void> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { extractable: true });
  const kid = randomUUID();
  const keys = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'EdDSA' }] });
  const organisationId = randomUUID();
  const people = {
    therapist: { providerId: randomUUID(), role: 'therapist', name: 'Bench Therapist', cred: 'LCSW' },
    psychiatrist: { providerId: randomUUID(), role: 'psychiatrist', name: 'Bench Psychiatrist', cred: 'MD' },
  } as const;
  const token = (who: (typeof people)[keyof typeof people]) =>
    new SignJWT({
      sub: who.providerId,
      org: organisationId,
      role: who.role,
      name: who.name,
      cred: who.cred,
      sid: randomUUID(),
    })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(privateKey);

  const dataDir = mkdtempSync(join(tmpdir(), 'sharedcare-bench-'));
  const database = await benchDatabase(dataDir);
  const config = {
    ...readGatewayConfig({
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      GATEWAY_MASTER_KEY: randomBytes(32).toString('base64'),
      // The bench measures speed, not the event budget.
      SOCKET_EVENT_BUDGET: '100000',
      GATEWAY_METRICS_PORT: '0',
    }),
    port: 0,
    auth: { url: ISSUER, jwksUrl: `${ISSUER}/jwks`, issuer: ISSUER, audience: AUDIENCE },
  };
  const app = await createGatewayApp({ config, database, keys, directorySync: false });
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');

  // A shared client and a thread between the two, through the services themselves.
  const auth = (who: (typeof people)[keyof typeof people]): AuthContext => ({
    providerId: who.providerId,
    organisationId,
    role: who.role,
    displayName: who.name,
    credential: who.cred,
    sessionId: 'bench',
    tokenId: 'bench',
    expiresAt: new Date(Date.now() + 600_000),
  });
  for (const who of Object.values(people)) await app.get(DirectoryService).noteCaller(auth(who));
  const client = await app
    .get(ClientsService)
    .create(auth(people.therapist), { displayName: 'Bench Client', dateOfBirth: '1990-01-01' });
  await app.get(ConsentsService).grant(auth(people.therapist), client.clientId, {
    recipientIds: [people.psychiatrist.providerId],
    categories: ['general'],
    purpose: 'treatment',
    expiresAt: new Date(Date.now() + 86_400_000),
    attestation: { method: 'verbal', signerName: 'Bench Client' },
  });
  const thread = await app.get(ThreadsService).create(auth(people.therapist), {
    clientId: client.clientId,
    subject: 'Bench',
    participantIds: [people.psychiatrist.providerId],
  });

  const connect = async (who: (typeof people)[keyof typeof people]): Promise<Socket> => {
    const socket = io(`${url}/consult`, {
      auth: { token: await token(who) },
      transports: ['websocket'],
      forceNew: true,
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    return socket;
  };
  const sender = await connect(people.therapist);
  const recipient = await connect(people.psychiatrist);

  // The service path: socket send → committed, audited, encrypted → ack; and → the other socket.
  const acked: number[] = [];
  const delivered: number[] = [];
  const text = 'x'.repeat(200);
  for (let i = 0; i < SENDS; i++) {
    const start = process.hrtime.bigint();
    const arrived = new Promise<void>((resolve) => recipient.once('message.new', () => resolve()));
    const answer = (await sender.emitWithAck('message.send', {
      threadId: thread.threadId,
      clientMessageId: randomUUID(),
      kind: 'note',
      category: 'general',
      body: { text },
    })) as { ok: boolean };
    if (!answer.ok) throw new Error(`send refused: ${JSON.stringify(answer)}`);
    acked.push(ms(start));
    await arrived;
    delivered.push(ms(start));
  }

  // The raw baseline: the SQL a send needs at the least, one transaction each, same database.
  const raw = new pg.Client({ connectionString: database.url });
  await raw.connect();
  const baseline: number[] = [];
  for (let i = 0; i < SENDS; i++) {
    const start = process.hrtime.bigint();
    await raw.query('BEGIN');
    const [{ last_seq: seq }] = (
      await raw.query(`UPDATE threads SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq`, [thread.threadId])
    ).rows as { last_seq: number }[];
    await raw.query(
      `INSERT INTO messages (id, thread_id, client_id, seq, sender_id, client_message_id, kind, category, body_sealed, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'note', 'general', $7, now())`,
      [randomUUID(), thread.threadId, client.clientId, seq, people.therapist.providerId, randomUUID(), text],
    );
    await raw.query('COMMIT');
    baseline.push(ms(start));
  }
  await raw.end();

  const row = (name: string, values: number[]) =>
    `${name.padEnd(34)} median ${median(values).toFixed(2).padStart(7)} ms   p95 ${p95(values).toFixed(2).padStart(7)} ms`;
  console.log(`SharedCare bench: ${SENDS} sends, ${database.embedded ? 'embedded PGlite' : 'PostgreSQL'}`);
  console.log(row('raw baseline (seq + insert, pg)', baseline));
  console.log(row('socket send → ack', acked));
  console.log(row('socket send → recipient message.new', delivered));
  console.log(`send → ack is ${(median(acked) / median(baseline)).toFixed(1)}× the raw baseline (median over median)`);

  sender.disconnect();
  recipient.disconnect();
  await app.close();
  await database.stop();
}

await main();
