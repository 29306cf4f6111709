import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { DomainException } from '@sharedcare/common';
import { SessionsService } from '../sessions/sessions.service.js';
import { AccessTokenService } from '../tokens/access-token.service.js';
import type { AuthContext } from './auth-context.js';
import { ACCESS_METADATA, type AccessDeclaration } from './authenticated.decorator.js';
import { roleHas } from './permissions.js';

/**
 * Global guard: public routes pass; protected ones need a valid access token of a live session
 * whose role holds the route's permission. A route that declares nothing is refused (fail
 * closed); a role without the permission gets not_found, as if the route were not there.
 */
@Injectable()
export class AccessTokenGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: AccessTokenService,
    private readonly sessions: SessionsService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const declaration = this.reflector.getAllAndOverride<AccessDeclaration | undefined>(ACCESS_METADATA, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!declaration) throw DomainException.notFound();
    if ('public' in declaration) return true;
    const request = context.switchToHttp().getRequest<Request & { caller?: AuthContext }>();
    const match = /^Bearer ([\w-]+\.[\w-]+\.[\w-]+)$/.exec(request.headers.authorization ?? '');
    if (!match) throw DomainException.unauthenticated();
    const caller = await this.tokens.verify(match[1]);
    // Logged-out and revoked sessions stop working here at once, not when the token expires.
    if (!(await this.sessions.isLive(caller.sessionId))) throw DomainException.unauthenticated('Session has ended');
    if (!roleHas(caller.role, declaration.permission)) throw DomainException.notFound();
    request.caller = caller;
    return true;
  }
}
