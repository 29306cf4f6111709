import {
  type ApiClient,
  type ConsentCategory,
  type ConsultSocket,
  connectConsult,
  EventError,
  type Message,
  type MessageBodies,
  type Receipt,
  request,
  type ThreadReceipts,
  type SendableKind,
} from '@sharedcare/client';
import type { Session } from './session';

export type Connection = 'connecting' | 'online' | 'offline';

/** A message the user sent that the service has not confirmed as stored yet. */
export interface Outgoing {
  clientMessageId: string;
  threadId: string;
  kind: SendableKind;
  category: ConsentCategory;
  body: MessageBodies[SendableKind];
  createdAt: string;
  /** sending: on its way; pending: waiting for the connection, to be sent again; refused: the service said no. */
  status: 'sending' | 'pending' | 'refused';
  error?: string;
}

export interface Acknowledged {
  providerId: string;
  /** Unknown only from a service that sends acknowledged receipts without their time. */
  acknowledgedAt?: string;
}

export interface ThreadState {
  messages: Message[];
  lastSeq: number;
  /** Per other provider: how far they have received and read. */
  delivered: Record<string, number>;
  read: Record<string, number>;
  /** messageId → who acknowledged it and when (from the history, live receipts, or this user's own action). */
  acknowledged: Record<string, Acknowledged[]>;
  typing: Record<string, number>;
  present: string[];
}

const emptyThread = (): ThreadState => ({
  messages: [],
  lastSeq: 0,
  delivered: {},
  read: {},
  acknowledged: {},
  typing: {},
  present: [],
});

const TYPING_SHOWN_MS = 4_000;
const SEND_TIMEOUT_MS = 8_000;
const RETRY_MS = 5_000;

/**
 * The live side of the page: one socket on /consult, the threads the user has open, and the outbox.
 * A message is "stored" only once the service's acknowledgement carries its sequence number; until
 * then it stays in the outbox, and every reconnection sends it again with the same clientMessageId
 * (the service returns the original for a retry, never a duplicate).
 */
export class Live {
  private current: ConsultSocket | undefined;
  private listeners = new Set<() => void>();
  private joined = new Set<string>();
  private lastRetry = 0;
  readonly threads = new Map<string, ThreadState>();
  outbox: Outgoing[] = [];
  /** Messages that arrived live in threads not on screen, since the client list last loaded. */
  readonly unseen = new Map<string, number>();
  connection: Connection = 'connecting';
  version = 0;
  /** Set when the service cut this user off from a client's threads (consent revoked). */
  revoked: { clientId: string; threadIds: string[] } | undefined;

  constructor(
    private readonly session: Session,
    private readonly api: ApiClient,
    private readonly me: string,
  ) {}

  start(): void {
    const socket = connectConsult('', { token: this.session.accessToken });
    this.current = socket;
    socket.on('connect', () => {
      this.setConnection('online');
      void this.resume();
    });
    socket.on('disconnect', (reason) => {
      this.setConnection('offline');
      // The server closed it (token expired, session ended): socket.io will not reconnect by itself.
      if (reason === 'io server disconnect') void this.reconnectWithFreshToken();
    });
    socket.on('connect_error', () => {
      this.setConnection('offline');
      if (!socket.active) void this.reconnectWithFreshToken();
    });
    socket.on('session.expired', () => undefined);
    socket.on('message.new', ({ message }) => this.onMessage(message));
    socket.on('receipt', (receipt) => this.onReceipt(receipt));
    socket.on('typing', ({ threadId, providerId }) => {
      const thread = this.thread(threadId);
      thread.typing = { ...thread.typing, [providerId]: Date.now() };
      this.changed();
      setTimeout(() => this.changed(), TYPING_SHOWN_MS + 50);
    });
    socket.on('presence', ({ threadId, providerIds }) => {
      this.thread(threadId).present = providerIds;
      this.changed();
    });
    socket.on('access.revoked', (payload) => {
      this.revoked = payload;
      for (const threadId of payload.threadIds) this.joined.delete(threadId);
      this.changed();
    });
    // The browser knows first that the network is gone; socket.io would take its ping timeout.
    window.addEventListener('offline', this.onBrowserOffline);
    window.addEventListener('online', this.onBrowserOnline);
  }

  stop(): void {
    window.removeEventListener('offline', this.onBrowserOffline);
    window.removeEventListener('online', this.onBrowserOnline);
    this.current?.disconnect();
    this.current = undefined;
  }

  /** The open socket, for screens with events of their own (the safety plan); undefined when stopped. */
  get socket(): ConsultSocket | undefined {
    return this.current;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  snapshot = (): number => this.version;

  thread(threadId: string): ThreadState {
    let state = this.threads.get(threadId);
    if (!state) {
      state = emptyThread();
      this.threads.set(threadId, state);
    }
    return state;
  }

  /** Who is typing in the thread now (not the user). */
  typingIn(threadId: string): string[] {
    const now = Date.now();
    return Object.entries(this.thread(threadId).typing)
      .filter(([providerId, at]) => providerId !== this.me && now - at < TYPING_SHOWN_MS)
      .map(([providerId]) => providerId);
  }

  async open(threadId: string): Promise<void> {
    this.joined.add(threadId);
    if (this.connection === 'online') await this.join(threadId);
    else {
      // Offline: show what REST can give, if anything.
      await this.catchUp(threadId, this.thread(threadId).lastSeq).catch(() => undefined);
    }
  }

  close(threadId: string): void {
    this.joined.delete(threadId);
    if (this.current?.connected) void request(this.current, 'thread.leave', { threadId }).catch(() => undefined);
  }

  typing(threadId: string): void {
    if (this.current?.connected) void request(this.current, 'typing', { threadId }).catch(() => undefined);
  }

  /** Marks the thread read up to its last message (the other participants get a read receipt). */
  markRead(threadId: string): void {
    const thread = this.thread(threadId);
    if (!this.current?.connected || thread.lastSeq === 0) return;
    void request(this.current, 'message.read', { threadId, uptoSeq: thread.lastSeq }).catch(() => undefined);
  }

  async acknowledge(message: Message): Promise<void> {
    const answer = this.current?.connected
      ? await request(this.current, 'message.acknowledge', { messageId: message.messageId })
      : await this.api.acknowledge(message.messageId);
    this.noteAcknowledged(message.threadId, message.messageId, {
      providerId: this.me,
      acknowledgedAt: answer.acknowledgedAt,
    });
  }

  send<K extends SendableKind>(threadId: string, kind: K, category: ConsentCategory, body: MessageBodies[K]): void {
    const outgoing: Outgoing = {
      clientMessageId: crypto.randomUUID(),
      threadId,
      kind,
      category,
      body,
      createdAt: new Date().toISOString(),
      status: 'sending',
    };
    this.outbox = [...this.outbox, outgoing];
    this.changed();
    void this.deliver(outgoing);
  }

  /** Drops a refused message from the outbox (the user read why). */
  dismiss(clientMessageId: string): void {
    this.outbox = this.outbox.filter((entry) => entry.clientMessageId !== clientMessageId);
    this.changed();
  }

  private async deliver(outgoing: Outgoing): Promise<void> {
    const socket = this.current;
    if (!socket?.connected) return this.update(outgoing.clientMessageId, { status: 'pending' });
    this.update(outgoing.clientMessageId, { status: 'sending' });
    try {
      const { threadId, clientMessageId, kind, category, body } = outgoing;
      const answer = await request(
        socket,
        'message.send',
        { threadId, clientMessageId, kind, category, body } as Parameters<typeof request<'message.send'>>[2],
        SEND_TIMEOUT_MS,
      );
      this.outbox = this.outbox.filter((entry) => entry.clientMessageId !== clientMessageId);
      this.merge(threadId, [answer.message]);
    } catch (error) {
      // A refusal is final (the same message would be refused again); anything else is retried.
      if (error instanceof EventError && error.code !== 'rate_limited' && error.code !== 'unauthenticated') {
        this.update(outgoing.clientMessageId, { status: 'refused', error: error.message });
      } else this.update(outgoing.clientMessageId, { status: 'pending' });
    }
  }

  private update(clientMessageId: string, change: Partial<Outgoing>): void {
    this.outbox = this.outbox.map((entry) =>
      entry.clientMessageId === clientMessageId ? { ...entry, ...change } : entry,
    );
    this.changed();
  }

  private async join(threadId: string): Promise<void> {
    if (!this.current) return;
    const answer = await request(this.current, 'thread.join', { threadId, afterSeq: this.thread(threadId).lastSeq });
    this.merge(threadId, answer.messages);
    this.noteReceipts(threadId, answer.receipts);
    if (answer.nextAfter !== null) await this.catchUp(threadId, answer.nextAfter);
  }

  /** Pages through the history after `after` (a long thread, or a gap left by a reconnection). */
  private async catchUp(threadId: string, after: number): Promise<void> {
    for (let next: number | null = after; next !== null;) {
      const page = await this.api.messages(threadId, next);
      this.merge(threadId, page.messages);
      this.noteReceipts(threadId, page.receipts);
      next = page.nextAfter;
    }
  }

  /** After (re)connecting: catch up on every open thread, then send what is waiting, in order. */
  private async resume(): Promise<void> {
    await Promise.all([...this.joined].map((threadId) => this.join(threadId).catch(() => undefined)));
    for (const outgoing of this.outbox.filter((entry) => entry.status !== 'refused')) await this.deliver(outgoing);
  }

  private async reconnectWithFreshToken(): Promise<void> {
    // At most one attempt per RETRY_MS: a refusal that a fresh token does not cure must not spin.
    if (Date.now() - this.lastRetry < RETRY_MS) {
      setTimeout(() => void this.reconnectWithFreshToken(), RETRY_MS);
      return;
    }
    this.lastRetry = Date.now();
    try {
      await this.session.refresh();
      this.current?.connect();
    } catch {
      // The session is over; the page signs out.
    }
  }

  private onBrowserOffline = (): void => {
    this.current?.disconnect();
    this.setConnection('offline');
  };

  private onBrowserOnline = (): void => {
    this.setConnection('connecting');
    this.current?.connect();
  };

  private onMessage(message: Message): void {
    if (!this.joined.has(message.threadId)) {
      // Fetching it from the history is what records it as delivered, for a thread not on screen.
      void this.api.messages(message.threadId, message.seq - 1, 1).catch(() => undefined);
      this.unseen.set(message.threadId, (this.unseen.get(message.threadId) ?? 0) + 1);
      this.changed();
      return;
    }
    const thread = this.thread(message.threadId);
    if (message.seq > thread.lastSeq + 1 && thread.lastSeq > 0) {
      // A gap (a message missed while reconnecting): the history fills it.
      void this.catchUp(message.threadId, thread.lastSeq).catch(() => undefined);
    }
    // Their message is here: they have stopped typing it.
    const { [message.senderId]: _, ...stillTyping } = thread.typing;
    thread.typing = stillTyping;
    this.merge(message.threadId, [message]);
  }

  private onReceipt(receipt: Receipt): void {
    const thread = this.thread(receipt.threadId);
    if (receipt.kind === 'acknowledged' && receipt.messageId) {
      const { providerId, acknowledgedAt } = receipt;
      this.noteAcknowledged(receipt.threadId, receipt.messageId, { providerId, acknowledgedAt });
      return;
    }
    const upto = receipt.uptoSeq ?? 0;
    // Reading a message implies it was delivered.
    this.notePosition(thread, 'delivered', receipt.providerId, upto);
    if (receipt.kind === 'read') this.notePosition(thread, 'read', receipt.providerId, upto);
    this.changed();
  }

  /**
   * What the history says live receipts said before this page was there (a reload, a reconnection):
   * everyone's positions, and the acknowledgements of the page's messages (the last page's, of
   * every message up to it).
   */
  private noteReceipts(threadId: string, receipts: ThreadReceipts): void {
    const thread = this.thread(threadId);
    for (const position of receipts.positions) {
      this.notePosition(thread, 'delivered', position.providerId, position.deliveredSeq);
      this.notePosition(thread, 'read', position.providerId, position.readSeq);
    }
    for (const { messageId, ...acknowledged } of receipts.acknowledgements)
      this.noteAcknowledged(threadId, messageId, acknowledged);
    this.changed();
  }

  /** Positions only move forward: a page read earlier never takes back what a live receipt said. */
  private notePosition(thread: ThreadState, map: 'delivered' | 'read', providerId: string, upto: number): void {
    if (upto > (thread[map][providerId] ?? 0)) thread[map] = { ...thread[map], [providerId]: upto };
  }

  private noteAcknowledged(threadId: string, messageId: string, acknowledged: Acknowledged): void {
    const thread = this.thread(threadId);
    const who = thread.acknowledged[messageId] ?? [];
    if (!who.some((entry) => entry.providerId === acknowledged.providerId))
      thread.acknowledged = { ...thread.acknowledged, [messageId]: [...who, acknowledged] };
    this.changed();
  }

  private merge(threadId: string, messages: Message[]): void {
    if (messages.length === 0) return;
    const thread = this.thread(threadId);
    const bySeq = new Map(thread.messages.map((message) => [message.seq, message]));
    for (const message of messages) bySeq.set(message.seq, message);
    thread.messages = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
    thread.lastSeq = thread.messages.at(-1)?.seq ?? 0;
    // A retry's answer, or the live copy of one of ours, settles the outbox entry too.
    const stored = new Set(messages.map((message) => message.clientMessageId));
    this.outbox = this.outbox.filter((entry) => !stored.has(entry.clientMessageId));
    this.changed();
  }

  private setConnection(connection: Connection): void {
    if (this.connection === connection) return;
    this.connection = connection;
    this.changed();
  }

  private changed(): void {
    this.version += 1;
    for (const listener of this.listeners) listener();
  }
}
