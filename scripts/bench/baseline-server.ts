/**
 * The benchmark's raw baseline (issue 4), a child process of `scripts/bench.ts`: plain socket.io +
 * pg + AES-256-GCM in plain Node, no framework, no access checks. A send seals the body, then in one
 * transaction takes the thread's next sequence number, inserts the message and its audit row, and
 * commits; then it answers the sender and emits the message to the thread's room. Its tables live in
 * the benchmark's own database, beside (never in) SharedCare's.
 */
import { createCipheriv, randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import pg from 'pg';
import { Server } from 'socket.io';
import { serveBenchControl } from './bench-control.js';

const key = randomBytes(32);
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });

function sealBody(body: unknown, context: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context));
  const text = Buffer.concat([cipher.update(JSON.stringify(body)), cipher.final()]);
  return [iv, cipher.getAuthTag(), text].map((part) => part.toString('base64url')).join('.');
}

await pool.query(`
  DROP TABLE IF EXISTS baseline_audit, baseline_messages, baseline_threads;
  CREATE TABLE baseline_threads (id uuid PRIMARY KEY, last_seq integer NOT NULL DEFAULT 0);
  CREATE TABLE baseline_messages (
    id uuid PRIMARY KEY, thread_id uuid NOT NULL REFERENCES baseline_threads (id), seq integer NOT NULL,
    sender_id uuid NOT NULL, client_message_id uuid NOT NULL, kind text NOT NULL, category text NOT NULL,
    body_sealed text NOT NULL, created_at timestamptz NOT NULL,
    UNIQUE (thread_id, seq), UNIQUE (thread_id, sender_id, client_message_id));
  CREATE TABLE baseline_audit (
    sequence bigserial PRIMARY KEY, actor_id uuid NOT NULL, action text NOT NULL, resource_id uuid NOT NULL,
    at timestamptz NOT NULL);
`);

interface Send {
  threadId: string;
  clientMessageId: string;
  kind: string;
  category: string;
  body: unknown;
}

const http = createServer();
const io = new Server(http, { maxHttpBufferSize: 64 * 1024 });
const consult = io.of('/consult');
consult.on('connection', (socket) => {
  const { providerId, threadIds } = socket.handshake.auth as { providerId: string; threadIds: string[] };
  void socket.join(threadIds.map((threadId) => `thread:${threadId}`));
  socket.on('message.send', async (input: Send, ack: (answer: unknown) => void) => {
    const id = randomUUID();
    const createdAt = new Date();
    const bodySealed = sealBody(input.body, id);
    const db = await pool.connect();
    try {
      await db.query('BEGIN');
      const { rows } = await db.query<{ last_seq: number }>(
        'UPDATE baseline_threads SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq',
        [input.threadId],
      );
      const seq = rows[0].last_seq;
      await db.query(
        `INSERT INTO baseline_messages (id, thread_id, seq, sender_id, client_message_id, kind, category, body_sealed, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [id, input.threadId, seq, providerId, input.clientMessageId, input.kind, input.category, bodySealed, createdAt],
      );
      await db.query(
        `INSERT INTO baseline_audit (actor_id, action, resource_id, at) VALUES ($1, 'message.send', $2, $3)`,
        [providerId, id, createdAt],
      );
      await db.query('COMMIT');
      const message = { ...input, id, seq, senderId: providerId, createdAt };
      ack({ ok: true, message });
      consult.to(`thread:${input.threadId}`).emit('message.new', { message });
    } catch (error) {
      await db.query('ROLLBACK').catch(() => undefined);
      ack({ ok: false, error: { code: 'internal', message: String(error) } });
    } finally {
      db.release();
    }
  });
});

serveBenchControl({
  async seed(pairs: number) {
    const threads = Array.from({ length: pairs }, () => ({
      threadId: randomUUID(),
      providerIds: [randomUUID(), randomUUID()] as [string, string],
    }));
    await pool.query('INSERT INTO baseline_threads (id) SELECT unnest($1::uuid[])', [threads.map((t) => t.threadId)]);
    await pool.query('ANALYZE'); // as the SharedCare server does after seeding
    return { threads };
  },
  listen: () =>
    new Promise((resolve) => http.listen(0, '127.0.0.1', () => resolve(http.address() as { port: number }))),
  async stop() {
    io.close();
    await pool.end();
  },
});
