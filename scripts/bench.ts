/**
 * `npm run bench` (issue 4): the consult service under load from N authenticated socket.io clients
 * in shared threads, against a raw baseline measured in the same run on the same PostgreSQL: plain
 * socket.io + pg (one transaction: sequence number, message, audit row) + AES-256-GCM in plain Node
 * (scripts/bench/baseline-server.ts). Each server runs as its own child process; this process is
 * the load generator. For each server it prints:
 * - memory per idle authenticated connection (RSS and heap growth from 0 to N clients, after GC);
 * - send→ack and send→deliver latency p50/p95/p99 at a fixed offered rate (open loop: latency counts
 *   from when a send was due, so a slow server cannot hide its queue by slowing the senders);
 * - sustained throughput: closed loop, BENCH_CONCURRENCY sends in flight, for BENCH_SECONDS.
 * SharedCare's figures are also printed as ratios to the baseline's. The machine is small and
 * shared: read the ratios, not the milliseconds. BENCH_ROUNDS (3) rounds measure both servers, each
 * started afresh, one after the other, the first alternating; each figure printed is the median of
 * the rounds, and each ratio the median of the rounds' ratios, with their range.
 *
 * DATABASE_URL names a real PostgreSQL server; the benchmark creates a database of its own there
 * and drops it at the end, never touching the one the URL names.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import pg from 'pg';
import { io, type Socket } from 'socket.io-client';
import { type SeededThread, startBenchServer } from './bench/bench-control.js';
import { BENCH_AUDIENCE, BENCH_ISSUER } from './bench/bench-names.js';

const settings = {
  clients: Number(process.env.BENCH_CLIENTS ?? 1000),
  rate: Number(process.env.BENCH_RATE ?? 500),
  seconds: Number(process.env.BENCH_SECONDS ?? 10),
  warmupSeconds: Number(process.env.BENCH_WARMUP_SECONDS ?? 2),
  concurrency: Number(process.env.BENCH_CONCURRENCY ?? 200),
  /** Rounds of both servers in turn; the ratios printed are the medians of the rounds' ratios. */
  rounds: Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3)),
};
/** A send neither acknowledged nor delivered by then is counted lost. */
const DRAIN_MS = 30_000;

const percentile = (values: number[], p: number) =>
  values.length === 0
    ? NaN
    : [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))];
const now = () => performance.now();

interface Latencies {
  ack: number[];
  deliver: number[];
  refused: number;
  lost: number;
}

interface Figures {
  memory: { rssPerConnection: number; heapPerConnection: number };
  rate: Latencies & { offered: number; cpuPerSend: number };
  throughput: { perSecond: number; ackP50: number; ackP99: number; refused: number; lost: number };
}

/** N clients on one server: connects them, sends, and times acknowledgements and deliveries. */
class LoadGenerator {
  private readonly sockets = new Map<string, Socket[]>();
  private readonly waitingDelivery = new Map<string, { recipient: Socket; due: number; done: () => void }>();
  private next = 0;

  constructor(
    private readonly url: string,
    private readonly threads: SeededThread[],
    private readonly handshake: (providerId: string, thread: SeededThread) => Promise<Record<string, unknown>>,
  ) {}

  async connect(): Promise<void> {
    const pending = this.threads.flatMap((thread) => thread.providerIds.map((providerId) => ({ thread, providerId })));
    for (let i = 0; i < pending.length; i += 50) {
      await Promise.all(
        pending.slice(i, i + 50).map(async ({ thread, providerId }) => {
          const socket = io(`${this.url}/consult`, {
            auth: await this.handshake(providerId, thread),
            transports: ['websocket'],
            forceNew: true,
            reconnection: false,
          });
          await new Promise<void>((resolve, reject) => {
            socket.once('connect', resolve);
            socket.once('connect_error', reject);
          });
          socket.on('message.new', ({ message }: { message: { clientMessageId: string } }) => {
            const waiting = this.waitingDelivery.get(message.clientMessageId);
            if (waiting?.recipient !== socket) return;
            this.waitingDelivery.delete(message.clientMessageId);
            waiting.done();
          });
          this.sockets.set(`${thread.threadId}:${providerId}`, [
            ...(this.sockets.get(`${thread.threadId}:${providerId}`) ?? []),
            socket,
          ]);
        }),
      );
    }
  }

  get connected(): number {
    return [...this.sockets.values()].reduce((sum, list) => sum + list.length, 0);
  }

  /** One send from one side of the next thread to the other; `due` is when it should have left. */
  private send(due: number, into: Latencies): Promise<void> {
    const index = this.next++;
    const thread = this.threads[index % this.threads.length];
    const direction = Math.floor(index / this.threads.length) % 2;
    const sender = this.sockets.get(`${thread.threadId}:${thread.providerIds[direction]}`)![0];
    const recipient = this.sockets.get(`${thread.threadId}:${thread.providerIds[1 - direction]}`)![0];
    const clientMessageId = randomUUID();
    const delivered = new Promise<void>((resolve) => {
      this.waitingDelivery.set(clientMessageId, {
        recipient,
        due,
        done: () => {
          into.deliver.push(now() - due);
          resolve();
        },
      });
    });
    const acknowledged = sender
      .timeout(DRAIN_MS)
      .emitWithAck('message.send', {
        threadId: thread.threadId,
        clientMessageId,
        kind: 'note',
        category: 'general',
        body: { text: `Bench note ${index}: ${'x'.repeat(160)}` },
      })
      .then(
        (answer: { ok: boolean }) => {
          if (answer.ok) into.ack.push(now() - due);
          else into.refused++;
          return answer.ok;
        },
        () => {
          into.lost++;
          return false;
        },
      );
    return acknowledged.then(async (ok) => {
      if (!ok) {
        this.waitingDelivery.delete(clientMessageId);
        return;
      }
      let timer: NodeJS.Timeout | undefined;
      const lost = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          this.waitingDelivery.delete(clientMessageId);
          into.lost++;
          resolve();
        }, DRAIN_MS);
      });
      await Promise.race([delivered, lost]);
      clearTimeout(timer);
    });
  }

  /** Open loop: `rate` sends a second for `seconds`, each timed from when it was due. */
  async offered(rate: number, seconds: number): Promise<Latencies & { offered: number }> {
    const result: Latencies = { ack: [], deliver: [], refused: 0, lost: 0 };
    const total = Math.max(1, Math.round(rate * seconds));
    const inFlight: Promise<void>[] = [];
    const start = now();
    await new Promise<void>((resolve) => {
      let sent = 0;
      const tick = setInterval(() => {
        const due = Math.min(total, Math.floor(((now() - start) / 1000) * rate) + 1);
        for (; sent < due; sent++) inFlight.push(this.send(start + (sent * 1000) / rate, result));
        if (sent >= total) {
          clearInterval(tick);
          resolve();
        }
      }, 1);
    });
    await Promise.all(inFlight);
    return { ...result, offered: total };
  }

  /** Closed loop: `concurrency` sends always in flight for `seconds`; what was acknowledged in that time. */
  async sustained(concurrency: number, seconds: number): Promise<Figures['throughput']> {
    const result: Latencies = { ack: [], deliver: [], refused: 0, lost: 0 };
    const start = now();
    const end = start + seconds * 1000;
    let acknowledgedInWindow = 0;
    const worker = async () => {
      while (now() < end) {
        const before = result.ack.length;
        await this.send(now(), result);
        if (result.ack.length > before && now() <= end) acknowledgedInWindow++;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    return {
      perSecond: acknowledgedInWindow / seconds,
      ackP50: percentile(result.ack, 0.5),
      ackP99: percentile(result.ack, 0.99),
      refused: result.refused,
      lost: result.lost,
    };
  }

  close(): void {
    for (const list of this.sockets.values()) for (const socket of list) socket.disconnect();
  }
}

/** A server to measure: its script, environment and how its clients authenticate. */
interface Contender {
  name: string;
  script: string;
  env: NodeJS.ProcessEnv;
  handshake: (providerId: string, thread: SeededThread) => Promise<Record<string, unknown>>;
}

/**
 * One measurement of one server, started afresh: seeds it, connects the clients (the memory they
 * cost it), warms it up, then the rate phase and the throughput phase, and stops it. A server kept
 * running idle while the other is measured is not in the same state when its turn comes (it has
 * let its database connections go, and under load it then showed pauses of up to about 200 ms that a
 * 2 s warm-up did not remove), so each round starts both servers again.
 */
async function measure({ name, script, env, handshake }: Contender): Promise<Figures> {
  const server = await startBenchServer(script, { ...process.env, ...env });
  try {
    const { threads } = await server.seed(Math.max(1, Math.round(settings.clients / 2)));
    const { port } = await server.listen();
    const before = await server.memory();
    const load = new LoadGenerator(`http://127.0.0.1:${port}`, threads, handshake);
    await load.connect();
    const after = await server.memory();
    const connections = load.connected;
    process.stderr.write(`${name}: ${connections} clients connected; warming up\n`);
    await load.offered(settings.rate, settings.warmupSeconds);
    process.stderr.write(`${name}: ${settings.rate} msg/s for ${settings.seconds} s\n`);
    const cpuBefore = await server.cpu();
    const offered = await load.offered(settings.rate, settings.seconds);
    const rate = { ...offered, cpuPerSend: ((await server.cpu()) - cpuBefore) / Math.max(1, offered.ack.length) };
    process.stderr.write(`${name}: ${settings.concurrency} in flight for ${settings.seconds} s\n`);
    const throughput = await load.sustained(settings.concurrency, settings.seconds);
    load.close();
    return {
      memory: {
        rssPerConnection: (after.rss - before.rss) / connections,
        heapPerConnection: (after.heapUsed + after.external - before.heapUsed - before.external) / connections,
      },
      rate,
      throughput,
    };
  } finally {
    await server.stop();
  }
}

/** A database of the benchmark's own on DATABASE_URL's server, dropped at the end. */
async function benchDatabase(base: string): Promise<{ url: string; drop: () => Promise<void> }> {
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
  return { url: url.toString(), drop: () => admin(`DROP DATABASE ${name} WITH (FORCE)`) };
}

/** The middle value; with an even count, the mean of the two middle ones. */
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/** One figure of a round, from the figures of that round. */
type Measure = (figures: Figures) => number;

/**
 * Prints the comparison: each server's median over the rounds, and the median (and range) of the
 * rounds' ratios, each round's two servers having run one after the other. False when a send was
 * refused or lost (the run is then not a measurement).
 */
function report(baselineRounds: Figures[], sharedcareRounds: Figures[]): boolean {
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  const msText = (value: number) => `${value.toFixed(1)} ms`;
  const ratios = (measure: Measure) =>
    sharedcareRounds.map((figures, round) => measure(figures) / measure(baselineRounds[round]));
  const ratioText = (measure: Measure) => {
    const each = ratios(measure);
    const range = each.length > 1 ? ` (${Math.min(...each).toFixed(2)}–${Math.max(...each).toFixed(2)})` : '';
    return `${median(each).toFixed(2)}×${range}`;
  };
  const rows: [string, string, string, string][] = [];
  const row = (label: string, measure: Measure, text: (value: number) => string) =>
    rows.push([
      label,
      text(median(baselineRounds.map(measure))),
      text(median(sharedcareRounds.map(measure))),
      ratioText(measure),
    ]);
  const rssPerConnection: Measure = (figures) => figures.memory.rssPerConnection;
  row('memory per idle connection (RSS)', rssPerConnection, kb);
  row('memory per idle connection (heap)', (figures) => figures.memory.heapPerConnection, kb);
  const cpu: Measure = (figures) => figures.rate.cpuPerSend;
  row(`server CPU per send at ${settings.rate}/s`, cpu, (value) => `${(value / 1000).toFixed(2)} ms`);
  for (const [label, key] of [
    ['send→ack', 'ack'],
    ['send→deliver', 'deliver'],
  ] as const) {
    for (const p of [0.5, 0.95, 0.99]) {
      row(
        `${label} p${Math.round(p * 100)} at ${settings.rate}/s`,
        (figures) => percentile(figures.rate[key], p),
        msText,
      );
    }
  }
  const throughput: Measure = (figures) => figures.throughput.perSecond;
  row(`sustained throughput (${settings.concurrency} in flight)`, throughput, (value) => `${value.toFixed(0)}/s`);
  const atLoad = (rounds: Figures[]) =>
    `${msText(median(rounds.map((figures) => figures.throughput.ackP50)))} / ${msText(median(rounds.map((figures) => figures.throughput.ackP99)))}`;
  rows.push(['  send→ack p50 / p99 at that load', atLoad(baselineRounds), atLoad(sharedcareRounds), '']);
  const widths = [0, 1, 2, 3].map((i) =>
    Math.max(...rows.map((cells) => cells[i].length), ['', 'baseline', 'SharedCare', 'ratio'][i].length),
  );
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('   ');
  const rounds = sharedcareRounds.length;
  console.log(
    rounds > 1 ? `Medians of ${rounds} rounds; a ratio is the median of the rounds' ratios (and their range).\n` : '',
  );
  console.log(line(['', 'baseline', 'SharedCare', 'ratio']));
  for (const cells of rows) console.log(line(cells));
  const deliverP99: Measure = (figures) => percentile(figures.rate.deliver, 0.99);
  if (rounds > 1) {
    console.log('');
    const [p99Each, cpuEach, throughputEach] = [deliverP99, cpu, throughput].map(ratios);
    for (let round = 0; round < rounds; round++) {
      console.log(
        `round ${round + 1} (${round % 2 === 0 ? 'baseline' : 'SharedCare'} first): send→deliver p99 ${p99Each[round].toFixed(2)}×, ` +
          `CPU per send ${cpuEach[round].toFixed(2)}×, throughput ${throughputEach[round].toFixed(2)}×`,
      );
    }
  }
  let complete = true;
  for (const [name, figures] of [
    ['baseline', baselineRounds],
    ['SharedCare', sharedcareRounds],
  ] as const) {
    const refused = figures.reduce((sum, { rate, throughput }) => sum + rate.refused + throughput.refused, 0);
    const lost = figures.reduce((sum, { rate, throughput }) => sum + rate.lost + throughput.lost, 0);
    if (refused + lost > 0) {
      complete = false;
      console.log(`${name}: ${refused + lost} sends refused or lost (${refused} refused, ${lost} lost)`);
    }
  }
  const p99 = median(ratios(deliverP99));
  const throughputRatio = median(ratios(throughput));
  console.log(`\nIssue 4 targets${rounds > 1 ? ` (medians of the ${rounds} rounds' ratios)` : ''}:`);
  console.log(
    `  send→deliver p99 at ${settings.rate}/s within 2× the baseline's: ${p99.toFixed(2)}× ${p99 <= 2 ? 'met' : 'NOT met'}`,
  );
  console.log(
    `  sustained throughput at least 0.7× the baseline's: ${throughputRatio.toFixed(2)}× ${throughputRatio >= 0.7 ? 'met' : 'NOT met'}`,
  );
  const memory = median(sharedcareRounds.map(rssPerConnection));
  console.log(
    `  under 100 KB of server memory per idle connection: ${kb(memory)} ${memory < 100 * 1024 ? 'met' : 'NOT met'}`,
  );
  return complete;
}

async function main(): Promise<void> {
  const base = process.env.DATABASE_URL;
  if (!base) {
    console.error(
      'npm run bench needs a PostgreSQL server: DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench',
    );
    process.exit(2);
  }
  const database = await benchDatabase(base);
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { extractable: true });
  const kid = randomUUID();
  const organisationId = randomUUID();
  const roles = ['therapist', 'psychiatrist'] as const;
  const token = (providerId: string, role: (typeof roles)[number]) =>
    new SignJWT({
      sub: providerId,
      org: organisationId,
      role,
      name: `Bench ${role}`,
      cred: role === 'therapist' ? 'LCSW' : 'MD',
      sid: randomUUID(),
    })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid })
      .setIssuer(BENCH_ISSUER)
      .setAudience(BENCH_AUDIENCE)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey);
  const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
  try {
    console.log(
      `SharedCare benchmark: ${settings.clients} clients in ${Math.round(settings.clients / 2)} shared threads, ` +
        `${settings.rounds} rounds of each server in turn, each ${settings.rate} msg/s offered for ${settings.seconds} s, ` +
        `then ${settings.concurrency} in flight for ${settings.seconds} s; ` +
        `PostgreSQL, node ${process.version}\n`,
    );
    const baseline: Contender = {
      name: 'baseline',
      script: here('./bench/baseline-server.js'),
      env: { DATABASE_URL: database.url },
      handshake: async (providerId, thread) => ({ providerId, threadIds: [thread.threadId] }),
    };
    const sharedcare: Contender = {
      name: 'SharedCare',
      script: here('./bench/sharedcare-server.js'),
      env: {
        DATABASE_URL: database.url,
        BENCH_ORGANISATION: organisationId,
        BENCH_JWK: JSON.stringify({ ...(await exportJWK(publicKey)), kid, alg: 'EdDSA' }),
      },
      handshake: async (providerId, thread) => ({
        token: await token(providerId, roles[thread.providerIds.indexOf(providerId)]),
      }),
    };
    const rounds = new Map<Contender, Figures[]>([
      [baseline, []],
      [sharedcare, []],
    ]);
    // The host's speed drifts over minutes: the servers take turns, and each round's ratio compares
    // two measurements made one after the other, the first alternating between rounds.
    for (let round = 0; round < settings.rounds; round++) {
      for (const contender of round % 2 === 0 ? [baseline, sharedcare] : [sharedcare, baseline]) {
        rounds.get(contender)!.push(await measure(contender));
      }
    }
    if (!report(rounds.get(baseline)!, rounds.get(sharedcare)!)) process.exitCode = 1;
  } finally {
    await database.drop();
  }
}

await main();
