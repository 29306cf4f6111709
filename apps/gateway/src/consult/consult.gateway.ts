import {
  type BeforeApplicationShutdown,
  Inject,
  Logger,
  type OnModuleDestroy,
  Optional,
  UseFilters,
  UsePipes,
} from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  type OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
} from '@nestjs/websockets';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { Namespace, Socket } from 'socket.io';
import {
  Auth,
  type AuthContext,
  type AuthenticatedSocketData,
  Authenticated,
  createSocketAuthMiddleware,
  EndedSessions,
  TokenVerifier,
} from '@sharedcare/auth';
import { Clock, createValidationPipe, DomainException, SystemClock, WsContractFilter } from '@sharedcare/common';
import { AccessService, type ConsentEvent, ConsentEvents, ConsentsService } from '@sharedcare/consent';
import { type ConsultEvent, ConsultEvents, MessagesService } from '@sharedcare/consult';
import { DirectoryService } from '@sharedcare/directory';
import { normalisedAwarenessUpdate, SafetyPlanService } from '@sharedcare/safety-plan';
import { SafetyPlanAwarenessEvent, SafetyPlanRef, SafetyPlanUpdateEvent } from '../safety-plan/safety-plan.dto.js';
import { mapHistoryPage, mapMessage } from '../threads/threads.dto.js';
import { ConsultTelemetry } from './consult-telemetry.js';
import { ProviderSocketCap } from './provider-socket-cap.js';
import { RedisScaleOut } from './redis-scale-out.js';
import type { AuthSessionEvent } from './session-event.js';
import { SessionEventsPoll } from './session-events-poll.js';
import {
  MessageAcknowledgeEvent,
  MessageReadEvent,
  MessageSendEvent,
  ThreadJoinEvent,
  ThreadRef,
} from './consult-events.dto.js';

export const CONSULT_NAMESPACE = '/consult';

/** The room every socket of one provider joins, so events can reach all their devices. */
export function providerRoom(providerId: string): string {
  return `provider:${providerId}`;
}

/** The room of the sockets that joined a client's safety plan (its live updates and presence). */
export function planRoom(clientId: string): string {
  return `safety-plan:${clientId}`;
}

/** The room of the sockets that joined a thread (typing and presence). */
export function threadRoom(threadId: string): string {
  return `thread:${threadId}`;
}

// setTimeout's ceiling; an access token lives minutes, so this only guards against odd clocks.
const MAX_TIMER_MS = 2_147_483_647;
/** The window of the per-provider event budget (SOCKET_EVENT_BUDGET events per window). */
export const SOCKET_EVENT_WINDOW_SECONDS = 10;
export const SOCKET_EVENT_BUDGET = Symbol('SOCKET_EVENT_BUDGET');
/** Sockets one provider may hold open on this process. */
export const MAX_SOCKETS_PER_PROVIDER = 10;
/** One typing notice per socket and thread per this many milliseconds. */
const TYPING_INTERVAL_MS = 2_000;
const HISTORY_ON_JOIN = 200;
/** How often consents and emergency grants that ran out are looked for (issue 4: within a second). */
const LAPSE_CHECK_MS = 500;
/** How long the shutdown notice may take to leave before the server closes the sockets anyway. */
const SHUTDOWN_NOTICE_MS = 2_000;

/**
 * The live side of the consult service (namespace `/consult`). Sockets are authenticated in the
 * handshake; events are guarded per event by the global guard, validated by the pipe bound here,
 * and refused through their acknowledgement by WsContractFilter. Handlers are thin: they call the
 * same service methods as the REST routes (CONVENTIONS 1).
 */
@WebSocketGateway({ namespace: CONSULT_NAMESPACE })
@UsePipes(createValidationPipe())
@UseFilters(new WsContractFilter())
export class ConsultGateway
  implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect, OnModuleDestroy, BeforeApplicationShutdown
{
  private readonly logger = new Logger(ConsultGateway.name);
  /** The `/consult` namespace, for emitting to rooms. */
  @WebSocketServer() readonly namespace: Namespace;
  private readonly expiryTimers = new WeakMap<Socket, NodeJS.Timeout>();
  private readonly lastTyping = new WeakMap<Socket, Map<string, number>>();
  private readonly socketCap = new ProviderSocketCap(MAX_SOCKETS_PER_PROVIDER);
  private readonly limiter: RateLimiterMemory;
  private readonly unsubscribe: (() => void)[] = [];
  private lapseTimer?: NodeJS.Timeout;
  private lapseCheckedUpTo = new Date(0);
  private checkingLapses = false;

  constructor(
    private readonly verifier: TokenVerifier,
    private readonly directory: DirectoryService,
    private readonly messages: MessagesService,
    private readonly access: AccessService,
    private readonly consents: ConsentsService,
    private readonly consultEvents: ConsultEvents,
    private readonly consentEvents: ConsentEvents,
    private readonly telemetry: ConsultTelemetry,
    private readonly endedSessions: EndedSessions,
    private readonly safetyPlan: SafetyPlanService,
    @Optional() private readonly clock: Clock = new SystemClock(),
    @Optional() private readonly scaleOut?: RedisScaleOut,
    @Optional() private readonly sessionPoll?: SessionEventsPoll,
    @Optional() @Inject(SOCKET_EVENT_BUDGET) eventBudget = 60,
  ) {
    this.limiter = new RateLimiterMemory({ points: eventBudget, duration: SOCKET_EVENT_WINDOW_SECONDS });
  }

  afterInit(namespace: Namespace): void {
    namespace.use(this.telemetry.countingRefusals(createSocketAuthMiddleware(this.verifier)));
    this.telemetry.instrument(namespace, this, () => this.messages.sendsWaiting);
    // Last: a socket that passes it is connected at once, so the slot it takes is given back.
    namespace.use(this.telemetry.countingRefusals(this.socketCap.middleware));
    this.unsubscribe.push(
      this.consultEvents.subscribe((event) => this.fanOut(event)),
      this.consentEvents.subscribe((event) => void this.onConsentEvent(event)),
    );
    // Session events come through Redis when several processes share it, and from the auth service's
    // feed in any case (without Redis, or as the backstop for what Redis lost); both may deliver one.
    void this.scaleOut?.onSessionEvent((event) => void this.onSessionEvent(event));
    this.sessionPoll?.onSessionEvent((event) => void this.onSessionEvent(event));
    this.lapseCheckedUpTo = this.clock.now();
    this.lapseTimer = setInterval(() => void this.closeLapsed(), LAPSE_CHECK_MS);
    this.lapseTimer.unref();
  }

  onModuleDestroy(): void {
    for (const stop of this.unsubscribe) stop();
    clearInterval(this.lapseTimer);
  }

  /**
   * Runs in app.close(), after runService's drain has let every event under way be answered. Each
   * socket hears `server.shutdown`, then its connection is closed at the transport, after the
   * notice has been written: socket.io-client treats that as a lost connection and reconnects by
   * itself (a server-side `socket.disconnect()` would stop it from reconnecting), through the load
   * balancer to another process, where the client catches up with `thread.join {afterSeq}`.
   */
  async beforeApplicationShutdown(): Promise<void> {
    const sockets = [...this.namespace.sockets.values()];
    await Promise.all(
      sockets.map(
        (socket) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, SHUTDOWN_NOTICE_MS);
            socket.conn.once('close', () => {
              clearTimeout(timer);
              resolve();
            });
            socket.emit('server.shutdown');
            socket.conn.close();
          }),
      ),
    );
  }

  // Nest does not await this hook, so nothing here may reject.
  handleConnection(socket: Socket): void {
    const { auth } = socket.data as AuthenticatedSocketData;
    // Already held by the handshake; a socket recovered without it is open all the same.
    this.socketCap.hold(socket, true);
    socket.use((packet, next) => this.throttle(socket, packet, next));
    // The rooms are gone by 'disconnect'; note them while the socket still has them.
    socket.once('disconnecting', () => {
      const threads = [...socket.rooms].filter((room) => room.startsWith('thread:')).map((room) => room.slice(7));
      socket.once('disconnect', () => threads.forEach((threadId) => void this.announcePresence(threadId)));
    });
    // The in-memory adapter joins synchronously; the Redis adapter (scale-out) does not.
    void Promise.resolve(socket.join(providerRoom(auth.providerId))).catch(() => {
      this.logger.error({ socketId: socket.id }, 'could not join the provider room; disconnecting');
      socket.disconnect(true);
    });
    // The socket may not outlive the token it was opened with (DESIGN.md: session.expired).
    const remaining = Math.min(Math.max(auth.expiresAt.getTime() - this.clock.now().getTime(), 0), MAX_TIMER_MS);
    this.expiryTimers.set(
      socket,
      setTimeout(() => {
        socket.emit('session.expired');
        socket.disconnect(true);
      }, remaining),
    );
    void this.directory.noteCaller(auth).catch(() => {
      this.logger.warn({ socketId: socket.id }, 'could not record the caller in the directory');
    });
    this.logger.log({ socketId: socket.id, providerId: auth.providerId }, 'socket connected');
  }

  handleDisconnect(socket: Socket, reason?: string): void {
    clearTimeout(this.expiryTimers.get(socket));
    this.expiryTimers.delete(socket);
    this.logger.log({ socketId: socket.id, reason }, 'socket disconnected');
  }

  /** Catch-up and subscription: every message after `afterSeq`, then live typing in the thread. */
  @Authenticated({ permission: 'thread.read' })
  @SubscribeMessage('thread.join')
  async join(@Auth() auth: AuthContext, @ConnectedSocket() socket: Socket, @MessageBody() body: ThreadJoinEvent) {
    const page = await this.messages.history(auth, body.threadId, {
      afterSeq: body.afterSeq ?? 0,
      limit: HISTORY_ON_JOIN,
    });
    await socket.join(threadRoom(body.threadId.toLowerCase()));
    void this.announcePresence(body.threadId.toLowerCase());
    return { ok: true, ...mapHistoryPage(page) };
  }

  @Authenticated({ permission: 'thread.read' })
  @SubscribeMessage('thread.leave')
  async leave(@ConnectedSocket() socket: Socket, @MessageBody() body: ThreadRef) {
    await socket.leave(threadRoom(body.threadId.toLowerCase()));
    void this.announcePresence(body.threadId.toLowerCase());
    return { ok: true };
  }

  /** Answered only after the message is committed; the other participants hear of it after that. */
  @Authenticated({ permission: 'message.send' })
  @SubscribeMessage('message.send')
  async send(@Auth() auth: AuthContext, @MessageBody() body: MessageSendEvent) {
    return { ok: true, message: mapMessage(await this.messages.send(auth, body)) };
  }

  @Authenticated({ permission: 'message.receipt' })
  @SubscribeMessage('message.read')
  async read(@Auth() auth: AuthContext, @MessageBody() body: MessageReadEvent) {
    return { ok: true, ...(await this.messages.markRead(auth, body.threadId, body.uptoSeq)) };
  }

  @Authenticated({ permission: 'message.acknowledge' })
  @SubscribeMessage('message.acknowledge')
  async acknowledge(@Auth() auth: AuthContext, @MessageBody() body: MessageAcknowledgeEvent) {
    const result = await this.messages.acknowledge(auth, body.messageId);
    return { ok: true, messageId: result.messageId, acknowledgedAt: result.acknowledgedAt.toISOString() };
  }

  /** Tells the thread's other joined sockets that the caller is typing; at most one notice per 2 s. */
  @Authenticated({ permission: 'message.receipt' })
  @SubscribeMessage('typing')
  async typing(@Auth() auth: AuthContext, @ConnectedSocket() socket: Socket, @MessageBody() body: ThreadRef) {
    const threadId = body.threadId.toLowerCase();
    const seen = this.lastTyping.get(socket) ?? new Map<string, number>();
    this.lastTyping.set(socket, seen);
    const now = this.clock.now().getTime();
    if (now - (seen.get(threadId) ?? 0) < TYPING_INTERVAL_MS) return { ok: true, throttled: true };
    seen.set(threadId, now);
    const uncovered = await this.messages.typing(auth, threadId);
    socket
      .to(threadRoom(threadId))
      .except(uncovered.map(providerRoom))
      .emit('typing', { threadId, providerId: auth.providerId });
    return { ok: true };
  }

  /** The whole plan as one Yjs update; from then on the socket hears the plan's changes. */
  @Authenticated({ permission: 'safety_plan.read' })
  @SubscribeMessage('safetyPlan.join')
  async joinPlan(@Auth() auth: AuthContext, @ConnectedSocket() socket: Socket, @MessageBody() body: SafetyPlanRef) {
    const state = await this.safetyPlan.state(auth, body.clientId, (clientId) =>
      Promise.resolve(socket.join(planRoom(clientId))),
    );
    return { ok: true, clientId: state.clientId, update: Buffer.from(state.update).toString('base64') };
  }

  /** Answered after the change is committed; only then do the plan's other sockets receive it. */
  @Authenticated({ permission: 'safety_plan.edit' })
  @SubscribeMessage('safetyPlan.update')
  async updatePlan(
    @Auth() auth: AuthContext,
    @ConnectedSocket() socket: Socket,
    @MessageBody() body: SafetyPlanUpdateEvent,
  ) {
    const update = Buffer.from(body.update, 'base64');
    const accepted = await this.safetyPlan.update(auth, body.clientId, update);
    socket.to(planRoom(accepted.clientId)).emit('safetyPlan.update', {
      clientId: accepted.clientId,
      update: update.toString('base64'),
      authorId: auth.providerId,
    });
    return { ok: true, seq: accepted.seq };
  }

  /** Presence (cursors) relayed to the plan's other sockets, never stored; only from a socket that joined. */
  @Authenticated({ permission: 'safety_plan.read' })
  @SubscribeMessage('safetyPlan.awareness')
  async planAwareness(
    @Auth() auth: AuthContext,
    @ConnectedSocket() socket: Socket,
    @MessageBody() body: SafetyPlanAwarenessEvent,
  ) {
    const clientId = await this.safetyPlan.requireReader(auth, body.clientId);
    if (!socket.rooms.has(planRoom(clientId))) throw DomainException.invalid('Join the safety plan first');
    const update = normalisedAwarenessUpdate(Buffer.from(body.update, 'base64'));
    if (!update) throw DomainException.invalid('The update is not a well-formed awareness update');
    socket.to(planRoom(clientId)).emit('safetyPlan.awareness', {
      clientId,
      update: Buffer.from(update).toString('base64'),
      providerId: auth.providerId,
    });
    return { ok: true };
  }

  /** Tells a thread's joined sockets who is viewing it now (on every process, through the adapter). */
  private async announcePresence(threadId: string): Promise<void> {
    try {
      const sockets = await this.namespace.in(threadRoom(threadId)).fetchSockets();
      const providerIds = [...new Set(sockets.map((s) => (s.data as AuthenticatedSocketData).auth.providerId))];
      this.namespace.to(threadRoom(threadId)).emit('presence', { threadId, providerIds });
    } catch {
      this.logger.warn({ threadId }, 'presence not announced');
    }
  }

  /**
   * Consents and emergency grants end by time too; nothing is published then, so each process
   * looks for what ran out since it last looked, and closes its own sockets' views of it.
   */
  private async closeLapsed(): Promise<void> {
    if (this.checkingLapses) return;
    this.checkingLapses = true;
    try {
      const upTo = this.clock.now();
      const lapsed = await this.consents.lapsedBetween(this.lapseCheckedUpTo, upTo);
      this.lapseCheckedUpTo = upTo;
      for (const { clientId, providerIds } of lapsed) await this.closeViews(clientId, providerIds);
    } catch (error) {
      this.logger.warn({ error: error instanceof Error ? error.name : 'unknown' }, 'lapsed consents not checked');
    } finally {
      this.checkingLapses = false;
    }
  }

  /** Per-socket event budget; an event over it is answered `rate_limited` and never handled. */
  private throttle(socket: Socket, packet: unknown[], next: (error?: Error) => void): void {
    // Keyed by provider, not socket: opening more sockets buys no more budget.
    const { auth } = socket.data as AuthenticatedSocketData;
    this.limiter.consume(auth.providerId).then(
      () => next(),
      (refusal: { msBeforeNext?: number }) => {
        const ack = packet.at(-1);
        const answer = {
          ok: false,
          error: {
            code: 'rate_limited',
            message: 'Too many events; slow down',
            details: { retryAfterSeconds: Math.ceil((refusal.msBeforeNext ?? 1000) / 1000) },
          },
        };
        if (typeof ack === 'function') ack(answer);
        else socket.emit('error', answer.error);
      },
    );
  }

  private fanOut(event: ConsultEvent): void {
    const rooms = event.recipientIds.map(providerRoom);
    if (rooms.length === 0) return;
    if (event.type === 'message.new') {
      this.namespace.to(rooms).emit('message.new', { message: mapMessage(event.message) });
      this.telemetry.delivered();
    } else this.namespace.to(rooms).emit('receipt', event.receipt);
  }

  /**
   * Providers the client's consent no longer covers leave its thread rooms here, and are told;
   * those no longer covered for the safety plan leave its room too (told only with the rest).
   */
  private async closeViews(clientId: string, providerIds: string[]): Promise<void> {
    const cutOff = new Set(await this.access.uncovered(clientId, providerIds));
    const planCutOff = new Set(await this.access.uncovered(clientId, providerIds, 'safety_plan'));
    for (const providerId of new Set([...cutOff, ...planCutOff])) {
      const sockets = this.namespace.local.in(providerRoom(providerId));
      if (planCutOff.has(providerId)) sockets.socketsLeave(planRoom(clientId));
      // Still covered for other categories: their next plan event answers not_found.
      if (!cutOff.has(providerId)) continue;
      const threadIds = await this.messages.threadIdsOf(clientId, providerId);
      sockets.socketsLeave((await this.messages.threadIdsOf(clientId, providerId, true)).map(threadRoom));
      sockets.emit('access.revoked', { clientId, threadIds });
    }
  }

  /**
   * Logout-all and account disable end the provider's sessions at once; every process hears the
   * event (its source has already put the sessions in EndedSessions, which every token check
   * reads), so each closes its own sockets of those sessions: all of a disabled provider's, only
   * the ended ones on logout-all, so a repeated or replayed event spares a login made since. A
   * disabled account is also marked in the directory, which every access decision reads.
   */
  private async onSessionEvent(event: AuthSessionEvent): Promise<void> {
    try {
      if (event.type === 'provider.disabled') await this.directory.markDisabled(event.providerId);
      // This process's own sockets in the room (a copy: disconnecting leaves it).
      for (const socketId of [...(this.namespace.adapter.rooms.get(providerRoom(event.providerId)) ?? [])]) {
        const socket = this.namespace.sockets.get(socketId);
        const { auth } = (socket?.data ?? {}) as Partial<AuthenticatedSocketData>;
        if (!socket || !auth) continue;
        if (event.type !== 'provider.disabled' && !this.endedSessions.refuses(auth)) continue;
        socket.emit('session.expired');
        socket.disconnect(true);
      }
    } catch (error) {
      this.logger.error(
        { type: event.type, error: error instanceof Error ? error.name : 'unknown' },
        'session event not applied',
      );
    }
  }

  /**
   * Consent events reach every gateway process (Postgres NOTIFY), so each acts on its own sockets
   * only (`local`): a revoked recipient leaves the client's thread rooms and is told at once.
   */
  private async onConsentEvent(event: ConsentEvent): Promise<void> {
    try {
      if (event.type === 'emergency_access.opened') {
        const rooms = event.careTeamIds.map(providerRoom);
        if (rooms.length > 0) {
          this.namespace.local.to(rooms).emit('client.notice', {
            clientId: event.clientId,
            kind: 'emergency_access',
            providerId: event.providerId,
            expiresAt: event.expiresAt,
          });
        }
        return;
      }
      await this.closeViews(event.clientId, event.providerIds);
    } catch (error) {
      this.logger.error(
        { type: event.type, error: error instanceof Error ? error.name : 'unknown' },
        'consent event not applied',
      );
    }
  }
}
