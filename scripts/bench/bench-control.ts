/**
 * How `scripts/bench.ts` drives a server it runs as a child process: requests over the IPC channel,
 * each answered once. The servers run apart from the load generator so that the memory per
 * connection is the server's own, and the clients' work is not counted as the server's.
 */
import { fork, type ChildProcess } from 'node:child_process';

export interface SeededThread {
  threadId: string;
  /** The two providers sharing the thread: [sender side, recipient side]. */
  providerIds: [string, string];
}

export interface BenchServer {
  seed(pairs: number): Promise<{ threads: SeededThread[]; organisationId?: string }>;
  listen(): Promise<{ port: number }>;
  stop(): Promise<void>;
}

type Request = { id: number; method: 'seed' | 'listen' | 'memory' | 'cpu' | 'stop'; argument?: unknown };
type Reply = { id: number; result?: unknown; error?: string };

/** In the child: answers the orchestrator's requests; `memory` collects garbage first (--expose-gc). */
export function serveBenchControl(server: BenchServer): void {
  process.on('message', (request: Request) => {
    const handle = async (): Promise<unknown> => {
      switch (request.method) {
        case 'seed':
          return server.seed(request.argument as number);
        case 'listen':
          return server.listen();
        case 'memory':
          for (let i = 0; i < 3; i++) globalThis.gc?.();
          return process.memoryUsage();
        case 'cpu':
          return process.cpuUsage();
        case 'stop':
          return server.stop();
      }
    };
    const answer = (reply: Reply) =>
      // After `stop`, the child leaves the channel and exits by itself, so --cpu-prof can write its profile.
      process.send?.(reply, () => request.method === 'stop' && process.disconnect());
    handle().then(
      (result) => answer({ id: request.id, result }),
      (error: unknown) => answer({ id: request.id, error: String(error) }),
    );
  });
  process.send?.({ id: 0, result: 'ready' } satisfies Reply);
}

/** In the orchestrator: starts a server script and calls it. */
export async function startBenchServer(script: string, env: NodeJS.ProcessEnv) {
  const child: ChildProcess = fork(script, [], {
    env,
    // BENCH_NODE_OPTIONS, e.g. "--cpu-prof", reaches the servers only, not the load generator.
    execArgv: ['--expose-gc', ...(process.env.BENCH_NODE_OPTIONS ?? '').split(' ').filter(Boolean)],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let next = 1;
  child.on('message', (reply: Reply) => {
    const entry = waiting.get(reply.id);
    waiting.delete(reply.id);
    if (reply.error) entry?.reject(new Error(reply.error));
    else entry?.resolve(reply.result);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', (code) => {
    for (const entry of waiting.values()) entry.reject(new Error(`bench server exited (${code})`));
    waiting.clear();
  });
  await new Promise<void>((resolve, reject) => {
    waiting.set(0, { resolve: () => resolve(), reject });
  });
  const call = <T>(method: Request['method'], argument?: unknown) =>
    new Promise<T>((resolve, reject) => {
      const id = next++;
      waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
      child.send({ id, method, argument } satisfies Request);
    });
  return {
    seed: (pairs: number) => call<Awaited<ReturnType<BenchServer['seed']>>>('seed', pairs),
    listen: () => call<{ port: number }>('listen'),
    memory: () => call<NodeJS.MemoryUsage>('memory'),
    /** Microseconds of CPU the server has used so far (user + system). */
    cpu: async () => {
      const usage = await call<NodeJS.CpuUsage>('cpu');
      return usage.user + usage.system;
    },
    async stop() {
      await call('stop').catch(() => undefined);
      const killer = setTimeout(() => child.kill('SIGTERM'), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}
