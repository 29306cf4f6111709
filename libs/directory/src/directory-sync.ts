import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { isCredential, isRole } from '@sharedcare/auth';
import { Clock, isUuid, SystemClock } from '@sharedcare/common';
import { PROVIDER_STATUSES, type DirectoryProvider } from './directory-provider.entity.js';
import { DirectoryService } from './directory.service.js';

export interface DirectorySyncOptions {
  /** The auth service's base URL; the directory is read from `/internal/providers`. */
  authUrl: string;
  /** The shared internal API key, sent as a bearer token. */
  internalApiKey: Buffer;
  /** Seconds between syncs; 0 syncs once at boot only. */
  intervalSeconds: number;
}

export const DIRECTORY_SYNC_OPTIONS = Symbol('DIRECTORY_SYNC_OPTIONS');

const PAGE_SIZE = 500;

type SyncedProvider = Omit<DirectoryProvider, 'updatedAt'>;

/** Checks one entry of the auth service's answer; a malformed entry is skipped, never stored. */
function parseEntry(value: unknown): SyncedProvider | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const entry = value as Record<string, unknown>;
  const text = (field: unknown, max: number) => typeof field === 'string' && field.length > 0 && field.length <= max;
  if (!text(entry.providerId, 36) || !isUuid(entry.providerId as string)) return undefined;
  if (!text(entry.organisationId, 36) || !isUuid(entry.organisationId as string)) return undefined;
  if (!text(entry.displayName, 200) || !isRole(entry.role) || !isCredential(entry.credential)) return undefined;
  if (!(PROVIDER_STATUSES as readonly unknown[]).includes(entry.status)) return undefined;
  return {
    id: (entry.providerId as string).toLowerCase(),
    organisationId: (entry.organisationId as string).toLowerCase(),
    email: text(entry.email, 254) ? (entry.email as string).toLowerCase() : null,
    displayName: entry.displayName as string,
    role: entry.role,
    credential: entry.credential,
    status: entry.status as SyncedProvider['status'],
  };
}

/**
 * Keeps the directory in step with the auth service, which owns provider accounts, through its
 * internal directory route (never by reading the auth database): once at boot, then every
 * `intervalSeconds`. A failed sync is logged and retried at the next tick; the service keeps
 * serving from what it has.
 */
@Injectable()
export class DirectorySync implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DirectorySync.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;
  private firstSync?: Promise<number>;

  constructor(
    private readonly directory: DirectoryService,
    @Inject(DIRECTORY_SYNC_OPTIONS) private readonly options: DirectorySyncOptions,
    private readonly clock: Clock = new SystemClock(),
  ) {}

  onApplicationBootstrap(): void {
    this.firstSync ??= this.syncQuietly();
    if (this.options.intervalSeconds > 0) {
      this.timer = setInterval(() => void this.syncQuietly(), this.options.intervalSeconds * 1000);
      this.timer.unref();
    }
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Resolves when the boot-time sync has finished (successfully or not), starting it if need be. */
  async ready(): Promise<void> {
    this.firstSync ??= this.syncQuietly();
    await this.firstSync;
  }

  /** Reads the whole directory, page by page; resolves with the number of providers stored. */
  sync(): Promise<number> {
    this.running ??= this.readAll().finally(() => (this.running = undefined));
    return this.running;
  }

  private async syncQuietly(): Promise<number> {
    try {
      return await this.sync();
    } catch (error) {
      this.logger.warn({ reason: error instanceof Error ? error.message : 'unknown' }, 'directory sync failed');
      return 0;
    }
  }

  private async readAll(): Promise<number> {
    let after: string | null = null;
    let stored = 0;
    do {
      const url = new URL('/internal/providers', this.options.authUrl);
      url.searchParams.set('limit', String(PAGE_SIZE));
      if (after) url.searchParams.set('after', after);
      const askedAt = this.clock.now();
      const response = await fetch(url, {
        headers: { authorization: `Bearer ${this.options.internalApiKey.toString('base64url')}` },
        signal: AbortSignal.timeout(10_000),
      });
      if (!response.ok) throw new Error(`auth directory answered ${response.status}`);
      const body = (await response.json()) as { providers?: unknown; nextAfter?: unknown };
      const page = Array.isArray(body.providers) ? body.providers : [];
      const providers = page.map(parseEntry).filter((entry): entry is SyncedProvider => entry !== undefined);
      if (providers.length < page.length) {
        this.logger.warn({ skipped: page.length - providers.length }, 'directory sync skipped malformed entries');
      }
      await this.directory.store(providers, askedAt);
      stored += providers.length;
      after = typeof body.nextAfter === 'string' && isUuid(body.nextAfter) ? body.nextAfter : null;
    } while (after);
    return stored;
  }
}
