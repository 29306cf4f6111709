import { type CanActivate, type ExecutionContext, Inject, Injectable, Optional, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { DomainException } from '../errors/domain.exception.js';

export interface RateLimitOptions {
  /** Names the limit; routes with the same name share a budget per caller. */
  name: string;
  points: number;
  durationSeconds: number;
}

const RATE_LIMIT = 'sharedcare:rate-limit';

/** Budgets by limit name that replace the decorator's defaults, e.g. from configuration. */
export type RateLimitOverrides = Record<string, Pick<RateLimitOptions, 'points' | 'durationSeconds'>>;

/** Provide a {@link RateLimitOverrides} under this token to configure limits at boot (tests lower them). */
export const RATE_LIMIT_OVERRIDES = Symbol('RATE_LIMIT_OVERRIDES');

/**
 * Per-IP request limit on a route, answered `rate_limited` with Retry-After. Limits are kept by
 * rate-limiter-flexible (@nestjs/throttler is CommonJS requiring the ESM-only Nest 12 packages,
 * which our Node 20 test runner cannot load). The memory store is per process; a Redis store
 * slots in here when the services scale out.
 */
export const RateLimit = (options: RateLimitOptions) => SetMetadata(RATE_LIMIT, options);

@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly limiters = new Map<string, RateLimiterMemory>();

  constructor(
    private readonly reflector: Reflector,
    @Optional() @Inject(RATE_LIMIT_OVERRIDES) private readonly overrides: RateLimitOverrides = {},
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const options = this.reflector.get<RateLimitOptions | undefined>(RATE_LIMIT, context.getHandler());
    if (!options) return true;
    const request = context.switchToHttp().getRequest<Request>();
    try {
      await this.limiter(options).consume(request.ip ?? 'unknown');
      return true;
    } catch (error) {
      if (error instanceof RateLimiterRes) throw DomainException.rateLimited(Math.ceil(error.msBeforeNext / 1000));
      throw error;
    }
  }

  private limiter(options: RateLimitOptions): RateLimiterMemory {
    const { name, points, durationSeconds } = { ...options, ...this.overrides[options.name] };
    let limiter = this.limiters.get(name);
    if (!limiter) {
      limiter = new RateLimiterMemory({ keyPrefix: name, points, duration: durationSeconds });
      this.limiters.set(name, limiter);
    }
    return limiter;
  }
}
