import { applyDecorators, createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth } from '@nestjs/swagger';
import { DomainException } from '@sharedcare/common';
import type { AuthContext } from './auth-context.js';
import type { Permission } from './permissions.js';

/** Metadata key of a route's or event's declaration; read by the guard and the endpoint table. */
export const AUTH_DECLARATION = 'sharedcare:auth-declaration';

export type AuthDeclaration = { public: true } | { public: false; permission: Permission };

/** Anyone may call this route (health, docs). Every other route declares a permission. */
export const Public = () => SetMetadata(AUTH_DECLARATION, { public: true } satisfies AuthDeclaration);

/**
 * The caller must present a valid access token whose role is granted `permission`
 * (CONVENTIONS 2). A route or event with neither this nor `@Public()` is refused.
 */
export const Authenticated = (options: { permission: Permission }) =>
  applyDecorators(
    SetMetadata(AUTH_DECLARATION, { public: false, permission: options.permission } satisfies AuthDeclaration),
    ApiBearerAuth(),
  );

/** Where the verified caller is kept: the request (REST) or the socket's data (socket.io). */
export function authFromContext(context: ExecutionContext): AuthContext {
  const auth =
    context.getType() === 'ws'
      ? (context.switchToWs().getClient<{ data?: { auth?: AuthContext } }>().data?.auth ?? undefined)
      : context.switchToHttp().getRequest<{ user?: AuthContext }>().user;
  // Only reachable from a route that forgot @Authenticated, which the guard already refuses.
  if (!auth) throw DomainException.unauthenticated();
  return auth;
}

/** The verified caller of an `@Authenticated` route or event. */
export const Auth = createParamDecorator((_data: unknown, context: ExecutionContext): AuthContext =>
  authFromContext(context),
);
