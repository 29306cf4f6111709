import { Injectable } from '@nestjs/common';
import type { AuthContext } from '@sharedcare/auth';
import { Clock, DomainException } from '@sharedcare/common';
import type { DirectoryProvider } from './directory-provider.entity.js';
import { DirectoryRepository } from './directory.repository.js';

const SEEN_CACHE_SIZE = 5_000;

/**
 * The organisation's provider directory as the consult service knows it: refreshed from every
 * verified caller's token claims (so a provider who just registered is listed as soon as they
 * sign in) and from the auth service's directory by {@link DirectorySync}.
 */
@Injectable()
export class DirectoryService {
  /** providerId → the claims last written, so a busy caller costs one write, not one per request. */
  private readonly seen = new Map<string, string>();

  constructor(
    private readonly providers: DirectoryRepository,
    private readonly clock: Clock,
  ) {}

  /** Records the caller as their verified token describes them. */
  async noteCaller(auth: AuthContext): Promise<void> {
    const claimed = {
      id: auth.providerId,
      organisationId: auth.organisationId,
      displayName: auth.displayName,
      role: auth.role,
      credential: auth.credential,
    };
    const fingerprint = JSON.stringify(claimed);
    if (this.seen.get(auth.providerId) === fingerprint) return;
    await this.providers.upsertFromClaims(claimed, this.clock.now());
    this.seen.delete(auth.providerId);
    this.seen.set(auth.providerId, fingerprint);
    if (this.seen.size > SEEN_CACHE_SIZE) this.seen.delete(this.seen.keys().next().value as string);
  }

  /**
   * Refuses a caller whose account is disabled, as the auth service does (`unauthenticated`): their
   * token may still verify until the disable reaches every process, but the account may not act.
   */
  async requireActive(auth: AuthContext): Promise<void> {
    if (await this.providers.isDisabled(auth.providerId)) throw DomainException.unauthenticated();
  }

  /**
   * The caller's organisation's providers matching `query` (name or email), by name: the people a
   * client can be shared with, so disabled accounts are left out (and a disabled caller refused).
   */
  async search(auth: AuthContext, query: string | undefined, limit: number): Promise<DirectoryProvider[]> {
    await this.requireActive(auth);
    return this.providers.search(auth.organisationId, query?.trim() || undefined, limit);
  }

  /** The providers among `ids` in the caller's organisation (ids of other organisations are absent). */
  inOrganisation(organisationId: string, ids: readonly string[]): Promise<DirectoryProvider[]> {
    return this.providers.findInOrganisation(organisationId, ids);
  }

  /** Stores a page of the auth service's directory, as it stood at `askedAt` (now, by default). */
  async store(providers: Omit<DirectoryProvider, 'updatedAt'>[], askedAt?: Date): Promise<void> {
    const at = askedAt ?? this.clock.now();
    await this.providers.upsertFromSync(providers.map((provider) => ({ ...provider, updatedAt: at })));
    // A sync may change what a cached caller fingerprint stands for (status, email).
    for (const provider of providers) this.seen.delete(provider.id);
  }

  /** The auth service disabled the account: refused everywhere from now, before the next sync. */
  async markDisabled(providerId: string): Promise<void> {
    await this.providers.markDisabled(providerId, this.clock.now());
    this.seen.delete(providerId);
  }

  findByEmail(email: string): Promise<DirectoryProvider | null> {
    return this.providers.findByEmail(email);
  }
}
