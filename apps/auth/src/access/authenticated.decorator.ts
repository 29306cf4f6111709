import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { AuthContext } from './auth-context.js';
import type { Permission } from './permissions.js';

export const ACCESS_METADATA = 'sharedcare:auth:access';

export type AccessDeclaration = { public: true } | { permission: Permission };

/** The route needs a valid access token whose role holds `permission` (others get not_found). */
export const Authenticated = (options: { permission: Permission }) => SetMetadata(ACCESS_METADATA, options);

/** The route is open to anyone (login, refresh, JWKS, health...). Routes declaring neither are refused. */
export const PublicRoute = () => SetMetadata(ACCESS_METADATA, { public: true });

/** The verified caller, set by AccessTokenGuard. */
export const Caller = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthContext =>
    context.switchToHttp().getRequest<{ caller: AuthContext }>().caller,
);
