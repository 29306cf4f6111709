import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DomainException } from '../errors/domain.exception.js';
import { RateLimit, RateLimitGuard } from './rate-limit.guard.js';

class Routes {
  @RateLimit({ name: 'login', points: 100, durationSeconds: 60 })
  login(): void {}
}

function httpContext(ip: string): ExecutionContext {
  return {
    getType: () => 'http',
    getHandler: () => Routes.prototype.login,
    switchToHttp: () => ({ getRequest: () => ({ ip }) }),
  } as unknown as ExecutionContext;
}

describe('RateLimitGuard', () => {
  it('applies a configured override in place of the decorator default, per IP', async () => {
    const guard = new RateLimitGuard(new Reflector(), { login: { points: 2, durationSeconds: 60 } });
    await expect(guard.canActivate(httpContext('10.0.0.1'))).resolves.toBe(true);
    await expect(guard.canActivate(httpContext('10.0.0.1'))).resolves.toBe(true);
    const refusal = await guard.canActivate(httpContext('10.0.0.1')).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(DomainException);
    expect(refusal).toMatchObject({ code: 'rate_limited' });
    expect((refusal as DomainException).retryAfterSeconds).toBeGreaterThan(0);
    await expect(guard.canActivate(httpContext('10.0.0.2'))).resolves.toBe(true);
  });

  it('uses the decorator budget without overrides', async () => {
    const guard = new RateLimitGuard(new Reflector());
    for (let i = 0; i < 100; i++) await expect(guard.canActivate(httpContext('10.0.0.3'))).resolves.toBe(true);
    await expect(guard.canActivate(httpContext('10.0.0.3'))).rejects.toMatchObject({ code: 'rate_limited' });
  });
});
