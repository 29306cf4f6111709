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
 * a load balancer (PostgreSQL, and Redis when configured, answer; not shutting down). `/health` is
 * the older combined check the demo launcher and tests wait on.
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
  @ApiOkResponse({ type: ReadinessReport, description: 'PostgreSQL, and Redis when configured, answer.' })
  @ApiServiceUnavailableResponse({
    type: ReadinessReport,
    description: 'A dependency is down, or the service is shutting down (`shutting_down`).',
  })
  async ready(@Res({ passthrough: true }) response: Response): Promise<ReadinessReport> {
    const scaleOut = this.scaleOut;
    const { ready, report } = await this.readiness.check([
      () => this.database.pingCheck('database'),
      ...(scaleOut ? [this.readiness.ping('redis', () => scaleOut.ping())] : []),
    ]);
    if (!ready) response.status(503);
    return report;
  }
}
