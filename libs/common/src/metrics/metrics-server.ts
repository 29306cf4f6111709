import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { EnvReader } from '../config/env-reader.js';

/** Where the metrics listener binds; never the service's public port. */
export interface MetricsListen {
  host: string;
  /** 0: any free port (tests). */
  port: number;
}

/**
 * `<PREFIX>_METRICS_HOST` and `<PREFIX>_METRICS_PORT`, one pair per service: both services can
 * run on one host from one environment (the demo, the tests), so a shared name would collide.
 */
export function readMetricsListen(env: EnvReader, prefix: string, defaultPort: number): MetricsListen {
  return {
    host: env.string(`${prefix}_METRICS_HOST`, '127.0.0.1'),
    port: env.int(`${prefix}_METRICS_PORT`, defaultPort, { min: 0, max: 65535 }),
  };
}

/**
 * A listener of its own for `GET /metrics`, apart from the service's port: nothing the public
 * proxy forwards can reach it, and it is bound to the loopback interface unless configured.
 */
export class MetricsServer {
  private server?: Server;

  constructor(
    private readonly registry: Registry,
    private readonly listen: MetricsListen,
  ) {}

  async start(): Promise<void> {
    const server = createServer((request, response) => {
      if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found\n');
        return;
      }
      this.registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': this.registry.contentType }).end(text),
        () => response.writeHead(500, { 'content-type': 'text/plain' }).end('Metrics unavailable\n'),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.listen.port, this.listen.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
  }

  /** The scrape URL, once started. */
  get url(): string | undefined {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (!address) return undefined;
    const host = this.listen.host.includes(':') ? `[${this.listen.host}]` : this.listen.host;
    return `http://${host}:${address.port}/metrics`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
