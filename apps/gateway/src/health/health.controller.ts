import { Controller, Get, Header, Optional, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { TypeOrmHealthIndicator } from '@nestjs/terminus';
import type { Response } from 'express';
import { Public } from '@sharedcare/auth';
import { LivenessReport, Readiness, ReadinessReport } from '@sharedcare/common';
import { RedisScaleOut } from '../consult/redis-scale-out.js';
import { HealthRepository } from './health.repository.js';

export class HealthResponse {
  @ApiProperty({ example: 'ok' })
  status: 'ok';
}

/**
 * Probes, unauthenticated: `live` for a container health check (the process answers), `ready` for
 * a load balancer (PostgreSQL answers; not shutting down). `/health` is the older combined check
 * the demo launcher and tests wait on.
 *
 * Redis, when configured, is asked too, but a Redis that does not answer leaves the process ready
 * (`degraded`, `redis: 'down'`): PostgreSQL is the source of truth, every send is stored and
 * answered without Redis, and what Redis would have carried live to other processes' sockets is
 * caught up from the database (`thread.join {afterSeq}`). Failing readiness would take every
 * process out of the load balancer at once for a fault that only slows delivery down.
 */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthRepository,
    private readonly readiness: Readiness,
    private readonly database: TypeOrmHealthIndicator,
    @Optional() private readonly scaleOut?: RedisScaleOut,
  ) {}

  @Public()
  @Get()
  @ApiOkResponse({ type: HealthResponse, description: 'The service and its database answer.' })
  @ApiServiceUnavailableResponse({ description: 'The database does not answer, or the service is shutting down.' })
  async check(): Promise<HealthResponse> {
    if (!(await this.health.isGatewaySchemaReachable())) throw new ServiceUnavailableException();
    return { status: 'ok' };
  }

  @Public()
  @Get('live')
  @Header('Cache-Control', 'no-store')
  @ApiOkResponse({ type: LivenessReport, description: 'The process is up; no dependency is asked.' })
  live(): LivenessReport {
    return { status: 'ok' };
  }

  @Public()
  @Get('ready')
  @Header('Cache-Control', 'no-store')
  @ApiOkResponse({
    type: ReadinessReport,
    description: 'PostgreSQL answers; `degraded` when the configured Redis does not (live fan-out only).',
  })
  @ApiServiceUnavailableResponse({
    type: ReadinessReport,
    description: 'PostgreSQL is down, or the service is shutting down (`shutting_down`).',
  })
  async ready(@Res({ passthrough: true }) response: Response): Promise<ReadinessReport> {
    const scaleOut = this.scaleOut;
    const { ready, report } = await this.readiness.check(
      [
        () => this.database.pingCheck('database'),
        ...(scaleOut ? [this.readiness.ping('redis', () => scaleOut.ping())] : []),
      ],
      ['redis'],
    );
    if (!ready) response.status(503);
    return report;
  }
}
