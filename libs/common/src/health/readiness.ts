import { Injectable, Module, ServiceUnavailableException } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import {
  type HealthCheckResult,
  HealthCheckService,
  type HealthIndicatorFunction,
  HealthIndicatorService,
  TerminusModule,
} from '@nestjs/terminus';
import { ServiceDrain } from '../service/service-drain.js';

/** How long one dependency may take to answer a readiness check. */
const CHECK_TIMEOUT_MS = 1_000;

export class LivenessReport {
  @ApiProperty({ enum: ['ok'] })
  status: 'ok';
}

/**
 * What the readiness probe answers: up or down per dependency and nothing more (no error
 * messages, hosts or timings, which terminus would add), since the probe is unauthenticated.
 */
export class ReadinessReport {
  @ApiProperty({
    enum: ['ok', 'degraded', 'error', 'shutting_down'],
    description:
      '`degraded` (still ready, 200): an optional dependency is down, e.g. Redis, which only speeds live delivery up.',
  })
  status: 'ok' | 'degraded' | 'error' | 'shutting_down';

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string', enum: ['up', 'down'] },
    example: { database: 'up', redis: 'up' },
    description: 'Each dependency checked; empty while shutting down (nothing is checked then).',
  })
  checks: Record<string, 'up' | 'down'>;
}

/**
 * Readiness of one process (`GET /health/ready`): every required dependency answers within a
 * second, and the process is not shutting down. An optional dependency (one the process serves
 * correctly without, only less well) that does not answer leaves it ready, reported `degraded`
 * with that check `down`: taking every process out of the load balancer for it would turn a
 * slower service into none. A drain answers `shutting_down` at once, without asking the
 * dependencies, from the moment the signal arrives.
 */
@Injectable()
export class Readiness {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly drain: ServiceDrain,
  ) {}

  /** A dependency terminus has no indicator for (Redis): up when `ping` resolves in time. */
  ping(key: string, ping: () => Promise<void>): HealthIndicatorFunction {
    return () => this.indicators.check(key).attempt(ping).withTimeout(CHECK_TIMEOUT_MS);
  }

  /** `optional` names the checks (their keys) whose failure degrades the process without making it unready. */
  async check(
    checks: HealthIndicatorFunction[],
    optional: readonly string[] = [],
  ): Promise<{ ready: boolean; report: ReadinessReport }> {
    if (this.drain.isDraining) return { ready: false, report: { status: 'shutting_down', checks: {} } };
    let result: HealthCheckResult;
    try {
      result = await this.health.check(checks);
    } catch (error) {
      // terminus answers a failed check by throwing its full result.
      if (!(error instanceof ServiceUnavailableException)) throw error;
      result = error.getResponse() as HealthCheckResult;
    }
    const states = Object.entries(result.details).map(
      ([key, { status }]) => [key, status === 'up' ? 'up' : 'down'] as const,
    );
    const checked = Object.fromEntries(states);
    if (result.status === 'shutting_down')
      return { ready: false, report: { status: 'shutting_down', checks: checked } };
    const down = states.filter(([, state]) => state === 'down').map(([key]) => key);
    const status = down.length === 0 ? 'ok' : down.every((key) => optional.includes(key)) ? 'degraded' : 'error';
    return { ready: status !== 'error', report: { status, checks: checked } };
  }
}

/** What a service's health controller needs: terminus, its indicators, the drain state. */
@Module({
  imports: [TerminusModule.forRoot()],
  providers: [ServiceDrain, Readiness],
  exports: [ServiceDrain, Readiness, TerminusModule],
})
export class ServiceHealthModule {}
