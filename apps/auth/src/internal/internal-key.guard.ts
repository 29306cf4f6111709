import { createHash, timingSafeEqual } from 'node:crypto';
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { DomainException } from '@sharedcare/common';
import type { AuthConfig } from '../config/auth-config.js';
import { AUTH_CONFIG } from '../shared/auth-config.token.js';

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * For `/internal/*` routes, which the access-token guard lets through as public: the caller must
 * present `Authorization: Bearer <INTERNAL_API_KEY>` (base64url or base64). Both sides are hashed
 * before a constant-time comparison, so neither the key's length nor how much of it matched
 * shows in the response time. The presented value is never logged or echoed.
 */
@Injectable()
export class InternalKeyGuard implements CanActivate {
  private readonly accepted: Buffer[];

  constructor(@Inject(AUTH_CONFIG) config: AuthConfig) {
    const key = config.internalApiKey;
    this.accepted = [sha256(key.toString('base64url')), sha256(key.toString('base64'))];
  }

  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<Request>().headers.authorization ?? '';
    const presented = sha256(/^Bearer (\S+)$/.exec(header)?.[1] ?? '');
    // Compare with every accepted form, without stopping at the first match.
    let matched = false;
    for (const accepted of this.accepted) matched = timingSafeEqual(presented, accepted) || matched;
    if (!matched) throw DomainException.unauthenticated();
    return true;
  }
}
