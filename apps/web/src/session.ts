import { ApiError, type AuthClient, REFRESH_IDLE_SECONDS, type Tokens } from '@sharedcare/client';

/** The warning shows this long before an idle session ends. */
export const IDLE_WARNING_SECONDS = 2 * 60;

export type SessionState =
  | { status: 'signed_out'; reason?: 'idle' | 'expired' | 'signed_out' }
  | { status: 'mfa'; mfaToken: string }
  | { status: 'signed_in' };

/**
 * The signed-in session. Tokens live in this object's memory only: never in localStorage or
 * sessionStorage, never in a cookie or a URL, so a reload signs out, and nothing outlives the
 * tab. The access token is refreshed before it expires while the user is active; after
 * REFRESH_IDLE_SECONDS without activity (the refresh token's own idle expiry) the session ends,
 * with a warning IDLE_WARNING_SECONDS before.
 */
export class Session {
  private tokens: Tokens | undefined;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private warnTimer: ReturnType<typeof setTimeout> | undefined;
  private lastActivity = Date.now();
  private listeners = new Set<() => void>();
  state: SessionState = { status: 'signed_out' };
  idleWarning = false;

  constructor(private readonly auth: AuthClient) {}

  accessToken = (): string | undefined => this.tokens?.accessToken;

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async signIn(email: string, password: string): Promise<void> {
    const answer = await this.auth.login(email, password);
    if ('mfaRequired' in answer) this.set({ status: 'mfa', mfaToken: answer.mfaToken });
    else this.start(answer);
  }

  async verifyMfa(code: string): Promise<void> {
    if (this.state.status !== 'mfa') return;
    this.start(await this.auth.verifyMfa(this.state.mfaToken, code));
  }

  /** A new access token now (after the socket was told its token expired, say). */
  async refresh(): Promise<string | undefined> {
    const current = this.tokens;
    if (!current) return undefined;
    try {
      this.tokens = await this.auth.refresh(current.refreshToken);
      this.scheduleRefresh();
      return this.tokens.accessToken;
    } catch (error) {
      if (error instanceof ApiError && error.status < 500) this.end('expired');
      throw error;
    }
  }

  /** The user did something: the idle clock starts again (and the warning goes). */
  noteActivity(): void {
    if (this.state.status !== 'signed_in') return;
    this.lastActivity = Date.now();
    this.scheduleIdle();
    if (this.idleWarning) {
      this.idleWarning = false;
      this.emit();
    }
  }

  /** Seconds left before idle logoff, at `now`. */
  idleSecondsLeft(now: number): number {
    return Math.max(0, Math.round((this.lastActivity + REFRESH_IDLE_SECONDS * 1000 - now) / 1000));
  }

  async signOut(): Promise<void> {
    const refreshToken = this.tokens?.refreshToken;
    this.end('signed_out');
    if (refreshToken) await this.auth.logout(refreshToken).catch(() => undefined);
  }

  private start(tokens: Tokens): void {
    this.tokens = tokens;
    this.scheduleRefresh();
    this.set({ status: 'signed_in' });
    this.noteActivity();
  }

  private end(reason: 'idle' | 'expired' | 'signed_out'): void {
    const refreshToken = this.tokens?.refreshToken;
    this.tokens = undefined;
    for (const timer of [this.refreshTimer, this.idleTimer, this.warnTimer]) clearTimeout(timer);
    this.idleWarning = false;
    // An idle end also ends the session at the auth service, not only in this tab.
    if (reason === 'idle' && refreshToken) void this.auth.logout(refreshToken).catch(() => undefined);
    this.set({ status: 'signed_out', reason });
  }

  private scheduleRefresh(): void {
    clearTimeout(this.refreshTimer);
    if (!this.tokens) return;
    // A minute before expiry (or at 80% of a short life): the socket keeps working throughout.
    const lifeMs = this.tokens.expiresIn * 1000;
    const inMs = Math.max(5_000, Math.min(lifeMs - 60_000, lifeMs * 0.8));
    this.refreshTimer = setTimeout(() => void this.refresh().catch(() => undefined), inMs);
  }

  private scheduleIdle(): void {
    clearTimeout(this.idleTimer);
    clearTimeout(this.warnTimer);
    const idleMs = REFRESH_IDLE_SECONDS * 1000;
    this.warnTimer = setTimeout(
      () => {
        this.idleWarning = true;
        this.emit();
      },
      idleMs - IDLE_WARNING_SECONDS * 1000,
    );
    this.idleTimer = setTimeout(() => this.end('idle'), idleMs);
  }

  private set(state: SessionState): void {
    this.state = state;
    this.emit();
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }
}
