import { Injectable } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { ErrorBody } from '../errors/error-code.js';

/** SHUTDOWN_DRAIN_MS when unset: how long a shutdown waits for the work under way. */
export const DEFAULT_SHUTDOWN_DRAIN_MS = 10_000;

/** The health probes, answered during a drain too: the readiness probe is how it shows. */
export const HEALTH_PROBE_PATHS: readonly string[] = ['/health/live', '/health/ready'];

/** What a request or socket event that arrives during a drain is answered with. */
export const SHUTTING_DOWN: ErrorBody = {
  code: 'unavailable',
  message: 'The service is shutting down; reconnect and retry',
};

/**
 * One process's shutdown state. At SIGTERM/SIGINT runService calls {@link begin}: readiness turns
 * false, new requests, connections and socket events are refused, and {@link settled} resolves once
 * the work already under way (a send inside its transaction) has been answered, or the drain
 * timeout has passed. Only then is the app closed.
 */
@Injectable()
export class ServiceDrain {
  private draining = false;
  private inFlight = 0;
  private readonly waiting = new Set<() => void>();

  get isDraining(): boolean {
    return this.draining;
  }

  begin(): void {
    this.draining = true;
  }

  /** Counts one piece of work from now until the returned function is called (once is enough). */
  start(): () => void {
    this.inFlight++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.inFlight--;
      if (this.inFlight === 0) for (const resolve of [...this.waiting]) resolve();
    };
  }

  /** True once nothing is in flight; false if something still is after `timeoutMs`. */
  settled(timeoutMs: number): Promise<boolean> {
    if (this.inFlight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const finish = (idle: boolean) => {
        clearTimeout(timer);
        this.waiting.delete(onIdle);
        resolve(idle);
      };
      const onIdle = () => finish(true);
      const timer = setTimeout(() => finish(false), timeoutMs);
      this.waiting.add(onIdle);
    });
  }

  /**
   * Express middleware: during a drain every request but the health probes is refused with 503
   * `unavailable` (and its connection closed); before it, each request counts as in flight until
   * its response is over.
   */
  readonly middleware = (request: Request, response: Response, next: NextFunction): void => {
    if (HEALTH_PROBE_PATHS.includes(request.path)) return next();
    if (this.draining) {
      response.setHeader('Connection', 'close');
      response.status(503).json({ error: SHUTTING_DOWN });
      return;
    }
    response.once('close', this.start());
    next();
  };
}
