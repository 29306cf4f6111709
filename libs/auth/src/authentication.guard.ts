import { type CanActivate, type ExecutionContext, Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import passport from 'passport';
import { Clock, DomainException, SystemClock } from '@sharedcare/common';
import { type AuthContext, requestOrigin } from './auth-context.js';
import { AUTH_DECLARATION, type AuthDeclaration } from './auth.decorators.js';
import { BearerStrategy } from './bearer.strategy.js';
import { EndedSessions } from './ended-sessions.js';
import { isGranted, type Permission, PERMISSION_GRANTS, type PermissionGrants } from './permissions.js';

const authenticator = new passport.Passport();

/** Told of every authenticated caller the guard refuses for their role (the audit trail). */
export abstract class RefusalRecorder {
  abstract refused(auth: AuthContext, permission: Permission): Promise<void>;
}

/**
 * The global guard (APP_GUARD): every route and socket event must declare `@Public()` or
 * `@Authenticated({permission})`; anything undeclared is refused, so forgetting a declaration
 * fails closed. REST callers authenticate through the bearer strategy; socket callers were
 * authenticated once in the handshake middleware (guards do not run on connection), and each
 * event re-checks that their token has not expired, nor its session ended, since.
 */
@Injectable()
export class AuthenticationGuard implements CanActivate {
  private readonly logger = new Logger(AuthenticationGuard.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly strategy: BearerStrategy,
    @Inject(PERMISSION_GRANTS) private readonly grants: PermissionGrants,
    @Optional() private readonly clock: Clock = new SystemClock(),
    @Optional() private readonly refusals?: RefusalRecorder,
    @Optional() private readonly endedSessions?: EndedSessions,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const declaration = this.reflector.getAllAndOverride<AuthDeclaration | undefined>(AUTH_DECLARATION, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!declaration) {
      this.logger.error(
        { handler: `${context.getClass().name}.${context.getHandler().name}` },
        'refused: the handler declares neither @Public nor @Authenticated',
      );
      throw DomainException.notFound();
    }
    if (declaration.public) return true;
    const auth = context.getType() === 'ws' ? this.fromSocket(context) : await this.fromRequest(context);
    // A role without the permission learns nothing more than a missing route would tell it.
    if (!isGranted(auth.role, declaration.permission, this.grants)) {
      await this.refusals?.refused(auth, declaration.permission);
      throw DomainException.notFound();
    }
    return true;
  }

  private async fromRequest(context: ExecutionContext): Promise<AuthContext> {
    if (context.getType() !== 'http') throw DomainException.unauthenticated();
    const request = context.switchToHttp().getRequest<Request & { user?: AuthContext }>();
    const response = context.switchToHttp().getResponse<Response>();
    // passport-http-bearer also reads `access_token` from the query and the body (RFC 6750 §2.2,
    // §2.3); URLs end up in logs and histories, so only the header is accepted here.
    if (
      request.query?.access_token !== undefined ||
      (request.body as Record<string, unknown> | undefined)?.access_token !== undefined
    ) {
      throw DomainException.unauthenticated('Send the access token in the Authorization header');
    }
    const auth = await new Promise<AuthContext>((resolve, reject) => {
      // A fresh object per request: passport stores its success/fail callbacks on the strategy.
      const strategy = Object.create(this.strategy) as BearerStrategy;
      const done = (error: unknown, user: AuthContext | false) => {
        if (error) reject(error instanceof DomainException ? error : DomainException.unauthenticated());
        else if (user) resolve(user);
        else reject(DomainException.unauthenticated());
      };
      authenticator.authenticate(strategy, { session: false }, done)(request, response, (error: unknown) =>
        done(error ?? DomainException.unauthenticated(), false),
      );
    });
    request.user = { ...auth, origin: requestOrigin(request.ip, request.headers['user-agent']) };
    return request.user;
  }

  private fromSocket(context: ExecutionContext): AuthContext {
    const auth = context.switchToWs().getClient<{ data?: { auth?: AuthContext } }>().data?.auth;
    if (!auth) throw DomainException.unauthenticated();
    if (auth.expiresAt.getTime() <= this.clock.now().getTime())
      throw DomainException.unauthenticated('Access token expired');
    if (this.endedSessions?.refuses(auth)) throw DomainException.unauthenticated('Session has ended');
    return auth;
  }
}
