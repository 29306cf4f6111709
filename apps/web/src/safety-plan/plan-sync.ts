import { type ConsultSocket, EventError, request } from '@sharedcare/client';
import { type PlanSectionId, SECTIONS_KEY } from '@sharedcare/safety-plan/document';
import { applyAwarenessUpdate, Awareness, encodeAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness';
import * as Y from 'yjs';

export type PlanStatus = 'joining' | 'saved' | 'saving' | 'offline' | 'closed';

/** What this browser tells the plan's other editors (y-protocols awareness): the section in focus. */
interface EditorState {
  section: PlanSectionId | null;
}

export type PlanItemMap = Y.Map<string>;
export type PlanSections = Y.Map<Y.Array<PlanItemMap>>;

/** Local edits are sent together once typing pauses this long: one stored change per burst... */
const FLUSH_MS = 400;
/** ...or at the latest this long after the first of them, so the others see long typing as it goes. */
const FLUSH_MAX_WAIT_MS = 2_000;
/** After `rate_limited`, the next try waits this long. */
const RATE_LIMITED_RETRY_MS = 3_000;
const LOCAL = 'local';
const ACCESS_ENDED = 'Your access to this client’s plan has ended: changes made here are not saved.';

const toBase64 = (bytes: Uint8Array): string => {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text);
};
const fromBase64 = (text: string): Uint8Array => Uint8Array.from(atob(text), (character) => character.charCodeAt(0));

/**
 * One client's safety plan, live in this browser: a Yjs document joined over the `/consult` socket
 * (`safetyPlan.join`), edited here at once and sent as `safetyPlan.update` when typing pauses, with
 * the others' updates applied as they arrive, and presence per section over y-protocols awareness.
 * An edit counts as saved only once the service acknowledges it; while offline, edits stay here and
 * are sent (as the difference from what the service has) after the next join.
 */
export class PlanSync {
  doc = new Y.Doc();
  awareness = new Awareness(this.doc);
  status: PlanStatus = 'joining';
  /** Why the last edit was not kept, or why the plan is closed. */
  problem: string | undefined;
  /** Stored changes seen (own acknowledged, others' heard): the change log reloads on it. */
  storedChanges = 0;
  version = 0;
  private unsent: Uint8Array[] = [];
  private inFlight = false;
  private joined = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** When the oldest edit not yet sent was made. */
  private waitingSince: number | undefined;
  /** Awareness client id → the provider the service said sent it. */
  private readonly providerOf = new Map<number, string>();
  private readonly listeners = new Set<() => void>();
  private stopped = true;

  constructor(
    private readonly socket: ConsultSocket,
    readonly clientId: string,
  ) {}

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  snapshot = (): number => this.version;

  get sections(): PlanSections {
    return this.doc.getMap(SECTIONS_KEY) as PlanSections;
  }

  start(): void {
    this.stopped = false;
    this.fresh();
    this.socket.on('connect', this.onConnect);
    this.socket.on('disconnect', this.onDisconnect);
    this.socket.on('safetyPlan.update', this.onRemoteUpdate);
    this.socket.on('safetyPlan.awareness', this.onRemoteAwareness);
    this.socket.on('access.revoked', this.onRevoked);
    if (this.socket.connected) void this.join();
    else this.setStatus('offline');
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    // Tell the others this editor has gone, and send what is still waiting.
    removeAwarenessStates(this.awareness, [this.doc.clientID], LOCAL);
    void this.flush();
    this.socket.off('connect', this.onConnect);
    this.socket.off('disconnect', this.onDisconnect);
    this.socket.off('safetyPlan.update', this.onRemoteUpdate);
    this.socket.off('safetyPlan.awareness', this.onRemoteAwareness);
    this.socket.off('access.revoked', this.onRevoked);
    this.awareness.destroy();
    this.doc.destroy();
  }

  /** Changes the plan here (sent when typing pauses). */
  edit(change: (sections: PlanSections) => void): void {
    if (!this.joined && this.status !== 'offline') return;
    this.doc.transact(() => change(this.sections), LOCAL);
  }

  /** Tells the others which section this editor is in (null: none). */
  setEditing(section: PlanSectionId | null): void {
    if ((this.awareness.getLocalState() as EditorState | null)?.section === section) return;
    this.awareness.setLocalState({ section } satisfies EditorState);
  }

  /** The other editors here now, by provider, with the section each is in. */
  editors(): { providerId: string; section: PlanSectionId | null }[] {
    const seen = new Map<string, PlanSectionId | null>();
    for (const [id, state] of this.awareness.getStates()) {
      const providerId = this.providerOf.get(id);
      if (id === this.doc.clientID || !providerId) continue;
      const section = (state as Partial<EditorState>).section ?? null;
      if (!seen.has(providerId) || section) seen.set(providerId, section);
    }
    return [...seen].map(([providerId, section]) => ({ providerId, section }));
  }

  /** A new document and presence (at the start, and after the service refused an edit). */
  private fresh(): void {
    this.doc = new Y.Doc();
    this.awareness = new Awareness(this.doc);
    this.awareness.setLocalState({ section: null } satisfies EditorState);
    this.providerOf.clear();
    this.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === LOCAL) {
        this.unsent.push(update);
        this.setStatus(this.socket.connected && this.joined ? 'saving' : 'offline');
        const now = Date.now();
        this.waitingSince ??= now;
        clearTimeout(this.timer);
        const due = Math.min(now + FLUSH_MS, this.waitingSince + FLUSH_MAX_WAIT_MS);
        this.timer = setTimeout(() => void this.flush(), due - now);
      }
      this.changed();
    });
    this.awareness.on(
      'update',
      ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }, origin: unknown) => {
        const own = this.doc.clientID;
        if (origin === LOCAL && [...added, ...updated, ...removed].includes(own)) this.sendAwareness();
      },
    );
    this.awareness.on('change', ({ added, updated }: { added: number[]; updated: number[] }, origin: unknown) => {
      if (typeof origin === 'string' && origin !== LOCAL) {
        for (const id of [...added, ...updated]) this.providerOf.set(id, origin);
        // A newcomer: tell them who is here (the service keeps no presence to hand them).
        if (added.length > 0) this.sendAwareness();
      }
      this.changed();
    });
  }

  private onConnect = (): void => void this.join();

  private onDisconnect = (): void => {
    this.joined = false;
    const others = [...this.awareness.getStates().keys()].filter((id) => id !== this.doc.clientID);
    removeAwarenessStates(this.awareness, others, 'offline');
    this.setStatus('offline');
  };

  /** The client's consent ended (revoked or lapsed): the service no longer takes this editor's changes. */
  private onRevoked = (event: { clientId: string }): void => {
    if (event.clientId !== this.clientId) return;
    const others = [...this.awareness.getStates().keys()].filter((id) => id !== this.doc.clientID);
    removeAwarenessStates(this.awareness, others, 'revoked');
    this.close(ACCESS_ENDED);
  };

  private onRemoteUpdate = (event: { clientId: string; update: string }): void => {
    if (event.clientId !== this.clientId || !this.joined) return;
    Y.applyUpdate(this.doc, fromBase64(event.update), 'remote');
    this.storedChanges++;
    this.changed();
  };

  private onRemoteAwareness = (event: { clientId: string; update: string; providerId: string }): void => {
    if (event.clientId !== this.clientId || !this.joined) return;
    applyAwarenessUpdate(this.awareness, fromBase64(event.update), event.providerId);
  };

  private async join(): Promise<void> {
    const hadLocal = this.unsent.length > 0 || this.inFlight;
    try {
      const { update } = await request(this.socket, 'safetyPlan.join', { clientId: this.clientId });
      if (this.stopped) return;
      const stored = fromBase64(update);
      Y.applyUpdate(this.doc, stored, 'remote');
      this.joined = true;
      this.inFlight = false;
      // Whatever was sent but not acknowledged, and whatever waited: the difference from the stored plan.
      this.unsent = hadLocal ? [Y.encodeStateAsUpdate(this.doc, Y.encodeStateVectorFromUpdate(stored))] : [];
      this.setStatus(this.unsent.length > 0 ? 'saving' : 'saved');
      this.sendAwareness();
      this.storedChanges++;
      void this.flush();
    } catch (failure) {
      if (this.stopped) return;
      if (failure instanceof EventError) this.close(failure.message);
      else this.setStatus('offline');
    }
  }

  private async flush(): Promise<void> {
    if (this.inFlight || this.unsent.length === 0 || !this.joined || !this.socket.connected) return;
    const update = Y.mergeUpdates(this.unsent);
    this.unsent = [];
    this.waitingSince = undefined;
    this.inFlight = true;
    this.setStatus('saving');
    try {
      await request(this.socket, 'safetyPlan.update', { clientId: this.clientId, update: toBase64(update) });
      this.inFlight = false;
      this.problem = undefined;
      this.storedChanges++;
      this.setStatus(this.unsent.length > 0 ? 'saving' : 'saved');
      void this.flush();
    } catch (failure) {
      this.inFlight = false;
      if (this.stopped) return;
      if (failure instanceof EventError && failure.code === 'invalid') {
        // Nothing of it was kept: start again from the stored plan, and say so.
        this.problem = `Your last change was not saved: ${failure.message}`;
        this.awareness.destroy();
        this.doc.destroy();
        this.unsent = [];
        this.joined = false;
        this.fresh();
        this.setStatus('joining');
        void this.join();
      } else if (failure instanceof EventError && failure.code === 'rate_limited') {
        this.unsent.unshift(update);
        this.timer = setTimeout(() => void this.flush(), RATE_LIMITED_RETRY_MS);
      } else if (failure instanceof EventError) {
        this.close(failure.code === 'not_found' ? ACCESS_ENDED : failure.message);
      } else {
        // No answer: kept, and sent as a difference after the next join.
        this.unsent.unshift(update);
        this.setStatus('offline');
      }
    }
  }

  private sendAwareness(): void {
    if (!this.joined || !this.socket.connected) return;
    const update = toBase64(encodeAwarenessUpdate(this.awareness, [this.doc.clientID]));
    request(this.socket, 'safetyPlan.awareness', { clientId: this.clientId, update }).catch(() => undefined);
  }

  private close(reason: string): void {
    this.joined = false;
    this.problem = reason;
    this.setStatus('closed');
  }

  private setStatus(status: PlanStatus): void {
    this.status = status;
    this.changed();
  }

  private changed(): void {
    this.version++;
    for (const listener of this.listeners) listener();
  }
}
