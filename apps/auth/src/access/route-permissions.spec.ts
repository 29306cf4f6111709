import { GUARDS_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { RequestMethod } from '@nestjs/common';
import { AUTH_CONTROLLERS } from '../auth-app.module.js';
import { ACCESS_METADATA, type AccessDeclaration } from './authenticated.decorator.js';
import { PERMISSIONS } from './permissions.js';

/** Every route of the auth service with who may call it; a change here is a change in who can reach what. */
function routeTable(): string[] {
  return AUTH_CONTROLLERS.flatMap((controller) => {
    const base = String(Reflect.getMetadata(PATH_METADATA, controller));
    return Object.getOwnPropertyNames(controller.prototype)
      .filter((name) => name !== 'constructor')
      .map((name) => {
        const handler = (controller.prototype as unknown as Record<string, object>)[name];
        const path = String(Reflect.getMetadata(PATH_METADATA, handler));
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number];
        const access = Reflect.getMetadata(ACCESS_METADATA, handler) as AccessDeclaration | undefined;
        const who = !access
          ? 'UNDECLARED'
          : 'public' in access
            ? 'public'
            : `${access.permission} (${PERMISSIONS[access.permission].join(', ')})`;
        // Route and controller guards narrow who gets through; name them beside the declaration.
        const guards = [controller, handler]
          .flatMap((target) => (Reflect.getMetadata(GUARDS_METADATA, target) ?? []) as { name: string }[])
          .map((guard) => ` + ${guard.name}`)
          .join('');
        return `${method} /${[base, path].filter((part) => part && part !== '/').join('/')} → ${who}${guards}`;
      });
  }).sort();
}

describe('auth routes and their permissions', () => {
  it('declares a permission or public on every route', () => {
    expect(routeTable()).toEqual([
      'GET /.well-known/jwks.json → public',
      'GET /auth/me → account.read (therapist, psychiatrist, care_manager, primary_care, admin)',
      'GET /health → public',
      'GET /health/live → public',
      'GET /health/ready → public',
      'GET /internal/providers → public + InternalKeyGuard',
      'GET /internal/session-events → public + InternalKeyGuard',
      'POST /auth/invites → invite.create (admin)',
      'POST /auth/login → public',
      'POST /auth/logout → public',
      'POST /auth/logout-all → session.logout_all (therapist, psychiatrist, care_manager, primary_care, admin)',
      'POST /auth/mfa/confirm → mfa.manage (therapist, psychiatrist, care_manager, primary_care, admin)',
      'POST /auth/mfa/enroll → mfa.manage (therapist, psychiatrist, care_manager, primary_care, admin)',
      'POST /auth/mfa/verify → public',
      'POST /auth/providers/:providerId/disable → provider.disable (admin)',
      'POST /auth/refresh → public',
      'POST /auth/register → public',
    ]);
  });
});
