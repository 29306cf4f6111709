import { Controller, Get, Header, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { TypeOrmHealthIndicator } from '@nestjs/terminus';
import type { Response } from 'express';
import { LivenessReport, Readiness, ReadinessReport } from '@sharedcare/common';
import { PublicRoute } from '../access/authenticated.decorator.js';
import { AuthEventPublisher } from '../events/auth-event-publisher.js';
import { HealthRepository } from './health.repository.js';

/**
 * Probes, unauthenticated: `live` for a container health check (the process answers), `ready` for
 * a load balancer (the database answers; not shutting down). `/health` is the older check the demo
 * launcher and tests wait on. Redis, when configured, is asked too, but its outage leaves the
 * service ready (`degraded`): a session event is written to the outbox first, and the consult
 * service reads it from `GET /internal/session-events` when Redis did not carry it.
 */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthRepository,
    private readonly readiness: Readiness,
    private readonly database: TypeOrmHealthIndicator,
    private readonly publisher: AuthEventPublisher,
  ) {}

  @Get()
  @PublicRoute()
  @ApiOkResponse({
    schema: { example: { status: 'ok' } },
    description: '200 when the database answers, 503 otherwise or while shutting down.',
  })
  async check(): Promise<{ status: 'ok' }> {
    if (!(await this.health.ping())) throw new ServiceUnavailableException();
    return { status: 'ok' };
  }

  @Get('live')
  @PublicRoute()
  @Header('Cache-Control', 'no-store')
  @ApiOkResponse({ type: LivenessReport, description: 'The process is up; no dependency is asked.' })
  live(): LivenessReport {
    return { status: 'ok' };
  }

  @Get('ready')
  @PublicRoute()
  @Header('Cache-Control', 'no-store')
  @ApiOkResponse({
    type: ReadinessReport,
    description:
      'The database answers; `degraded` when the configured Redis does not (the outbox feed carries events).',
  })
  @ApiServiceUnavailableResponse({
    type: ReadinessReport,
    description: 'The database is down, or the service is shutting down (`shutting_down`).',
  })
  async ready(@Res({ passthrough: true }) response: Response): Promise<ReadinessReport> {
    // Only the Redis publisher (REDIS_URL) has a transport to ask.
    const pingRedis = this.publisher.ping?.bind(this.publisher);
    const { ready, report } = await this.readiness.check(
      [() => this.database.pingCheck('database'), ...(pingRedis ? [this.readiness.ping('redis', pingRedis)] : [])],
      ['redis'],
    );
    if (!ready) response.status(503);
    return report;
  }
}
