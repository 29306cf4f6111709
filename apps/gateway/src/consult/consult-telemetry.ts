import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  Injectable,
  type MiddlewareConsumer,
  Module,
  type NestMiddleware,
  type NestModule,
  RequestMethod,
} from '@nestjs/common';
import { MetadataScanner } from '@nestjs/core';
import { MESSAGE_METADATA } from '@nestjs/websockets/constants.js';
import type { NextFunction, Request, Response } from 'express';
import { PinoLogger } from 'nestjs-pino';
import { Counter, Gauge, Histogram } from 'prom-client';
import type { Namespace, Socket } from 'socket.io';
import { knownErrorCode, OTHER_LABEL, requestIdFrom, ServiceMetrics, withLogContext } from '@sharedcare/common';

/** When a send arrived, read again when its acknowledgement goes out and when it fans out. */
interface Receipt {
  receivedAt: number;
  transport: 'socket' | 'http';
  /** A message send (socket `message.send` or the REST route), the only receipts timed to delivery. */
  send: boolean;
}

/** Send latencies are a few milliseconds to a few tens on a quiet process (README, Performance). */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The events a gateway subscribes to (its @SubscribeMessage handlers): the only event label values. */
export function subscribedEvents(gateway: object): string[] {
  const prototype = Object.getPrototypeOf(gateway) as Record<string, unknown>;
  return new MetadataScanner()
    .getAllMethodNames(prototype)
    .map((name) => Reflect.getMetadata(MESSAGE_METADATA, prototype[name] as object) as unknown)
    .filter((event): event is string => typeof event === 'string')
    .sort();
}

type Ack = (answer: unknown) => void;
type HandshakeMiddleware = (socket: Socket, next: (error?: Error & { data?: { code?: unknown } }) => void) => void;

/**
 * Metrics and log context for the live gateway and the REST send route, kept out of the handlers:
 * every socket event gets a request id (`<connection>:<n>`, the connection part taken from the
 * handshake's `x-request-id` when it is a valid one) bound to every line logged while it is
 * handled, is counted by name, and its answer is timed and counted by refusal code. On the hot send
 * path this costs a counter, a log context and a histogram observation; nothing is awaited.
 */
@Injectable()
export class ConsultTelemetry {
  private readonly receipts = new AsyncLocalStorage<Receipt>();
  private readonly eventsReceived: Counter<'event'>;
  private readonly sendToAck: Histogram<'transport'>;
  private readonly sendToDeliver: Histogram<'transport'>;
  private events = new Set<string>();

  constructor(
    private readonly metrics: ServiceMetrics,
    private readonly logger: PinoLogger,
  ) {
    const registers = [metrics.registry];
    this.eventsReceived = new Counter({
      name: 'sharedcare_socket_events_received_total',
      help: 'Socket events received on /consult, by event name (`other` for names no handler has).',
      labelNames: ['event'],
      registers,
    });
    this.sendToAck = new Histogram({
      name: 'sharedcare_message_send_ack_seconds',
      help: 'From receiving a message send to sending its successful acknowledgement (socket ack or REST answer).',
      labelNames: ['transport'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.sendToDeliver = new Histogram({
      name: 'sharedcare_message_send_deliver_seconds',
      help: 'From receiving a message send to emitting message.new to its recipients.',
      labelNames: ['transport'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    for (const transport of ['socket', 'http']) {
      this.sendToAck.zero({ transport });
      this.sendToDeliver.zero({ transport });
    }
  }

  /**
   * Instruments a namespace: call once, after its authentication middleware. `gateway` names the
   * events counted by name; any other name is counted as `other`. `sendsWaiting` reads the
   * group-commit queue.
   */
  instrument(namespace: Namespace, gateway: object, sendsWaiting: () => number): void {
    this.events = new Set(subscribedEvents(gateway));
    for (const event of [...this.events, OTHER_LABEL]) this.eventsReceived.inc({ event }, 0);
    new Gauge({
      name: 'sharedcare_socket_connections',
      help: 'Sockets open on /consult in this process.',
      registers: [this.metrics.registry],
      collect() {
        this.set(namespace.sockets.size);
      },
    });
    new Gauge({
      name: 'sharedcare_message_sends_waiting',
      help: 'Sends waiting for the group-commit batch being written to commit (then they go together).',
      registers: [this.metrics.registry],
      collect() {
        this.set(sendsWaiting());
      },
    });
    namespace.use((socket, next) => {
      const connectionId = requestIdFrom(socket.handshake.headers['x-request-id']) ?? randomUUID();
      this.instrumentSocket(socket, connectionId);
      // The connection's own lines ("socket connected") carry the connection part of the id.
      withLogContext({ reqId: connectionId }, () => next());
    });
  }

  /** Wraps a handshake middleware so that the connections it refuses are counted by code. */
  countingRefusals(middleware: HandshakeMiddleware): HandshakeMiddleware {
    return (socket, next) =>
      middleware(socket, (error) => {
        if (error) this.metrics.refused(error.data?.code ?? 'unauthenticated', 'socket');
        next(error);
      });
  }

  /** Call as `message.new` is emitted: times the send being handled, if this is one. */
  delivered(): void {
    const receipt = this.receipts.getStore();
    if (receipt?.send) this.sendToDeliver.observe({ transport: receipt.transport }, elapsed(receipt.receivedAt));
  }

  /** Express middleware for the REST send route: times it to its answer and to its fan-out. */
  timeRestSend(response: Response, next: NextFunction): void {
    const receivedAt = performance.now();
    response.once('finish', () => {
      if (response.statusCode < 300) this.sendToAck.observe({ transport: 'http' }, elapsed(receivedAt));
    });
    this.receipts.run({ receivedAt, transport: 'http', send: true }, next);
  }

  private instrumentSocket(socket: Socket, connectionId: string): void {
    let sequence = 0;
    // Refusals of events sent without an acknowledgement callback, and of the connection itself.
    socket.onAnyOutgoing((event: string, body?: { code?: unknown }) => {
      if (event === 'error') this.refused(body?.code);
    });
    // Registered before the gateway's own (the event budget), so its refusals are seen here too.
    socket.use((packet, next) => {
      const event = this.events.has(packet[0] as string) ? (packet[0] as string) : OTHER_LABEL;
      this.eventsReceived.inc({ event });
      const receipt: Receipt = { receivedAt: performance.now(), transport: 'socket', send: event === 'message.send' };
      const ack = packet.at(-1);
      if (typeof ack === 'function') packet[packet.length - 1] = this.timedAck(ack as Ack, receipt);
      withLogContext({ reqId: `${connectionId}:${++sequence}`, socketId: socket.id, event }, () => {
        this.logger.debug('socket event received');
        this.receipts.run(receipt, next);
      });
    });
  }

  private timedAck(ack: Ack, receipt: Receipt): Ack {
    return (answer) => {
      const seconds = elapsed(receipt.receivedAt);
      const refusal = (answer as { ok?: boolean; error?: { code?: unknown } } | undefined)?.ok === false;
      if (refusal) this.refused((answer as { error?: { code?: unknown } }).error?.code, seconds);
      else {
        if (receipt.send) this.sendToAck.observe({ transport: 'socket' }, seconds);
        this.logger.info({ responseTime: milliseconds(seconds) }, 'socket event completed');
      }
      ack(answer);
    };
  }

  private refused(code: unknown, seconds?: number): void {
    const known = knownErrorCode(code);
    this.metrics.refused(known, 'socket');
    const line = { refused: known, ...(seconds === undefined ? {} : { responseTime: milliseconds(seconds) }) };
    if (known === 'internal') this.logger.error(line, 'socket event failed');
    else this.logger.warn(line, 'socket event refused');
  }
}

/** Times REST sends (ConsultTelemetry.timeRestSend), mounted on the send route only. */
@Injectable()
export class RestSendTiming implements NestMiddleware {
  constructor(private readonly telemetry: ConsultTelemetry) {}

  use(_request: Request, response: Response, next: NextFunction): void {
    this.telemetry.timeRestSend(response, next);
  }
}

function elapsed(since: number): number {
  return (performance.now() - since) / 1000;
}

function milliseconds(seconds: number): number {
  return Math.round(seconds * 1e4) / 10;
}

/** The telemetry, and the REST send route's timing middleware mounted on that route. */
@Module({ providers: [ConsultTelemetry], exports: [ConsultTelemetry] })
export class ConsultTelemetryModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RestSendTiming).forRoutes({ path: 'threads/:threadId/messages', method: RequestMethod.POST });
  }
}
