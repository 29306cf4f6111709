import { Injectable } from '@nestjs/common';
import { Clock, DomainException } from '@sharedcare/common';
import type { AuthContext } from '../access/auth-context.js';
import { AuthAuditService } from '../audit/auth-audit.service.js';
import { SessionEventsService } from '../events/session-events.service.js';
import { ProvidersRepository } from '../providers/providers.repository.js';
import { SessionsService } from '../sessions/sessions.service.js';
import type { RequestMeta } from '../shared/request-meta.js';

@Injectable()
export class ProviderAdminService {
  constructor(
    private readonly providers: ProvidersRepository,
    private readonly sessions: SessionsService,
    private readonly events: SessionEventsService,
    private readonly audit: AuthAuditService,
    private readonly clock: Clock,
  ) {}

  /**
   * An admin disables an account of their own organisation: no more logins or refreshes, every
   * session revoked, and the gateway told to close the provider's live connections.
   */
  async disable(caller: AuthContext, providerId: string, meta: RequestMeta): Promise<void> {
    const target = await this.providers.findById(providerId);
    // Someone else's organisation looks exactly like nobody.
    if (!target || target.organisationId !== caller.organisationId) throw DomainException.notFound();
    if (target.id === caller.providerId) throw DomainException.invalid('An admin cannot disable their own account');
    await this.providers.disable(target.id, this.clock.now());
    const sessionIds = await this.sessions.revokeAll(target.id, 'disabled');
    await this.audit.record(
      'provider.disabled',
      'success',
      { providerId: target.id, actorId: caller.providerId, organisationId: target.organisationId },
      meta,
    );
    await this.events.emit('provider.disabled', target, sessionIds);
  }
}
