import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { PublicRoute } from '../access/authenticated.decorator.js';
import { HealthRepository } from './health.repository.js';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthRepository) {}

  @Get()
  @PublicRoute()
  @ApiOkResponse({
    schema: { example: { status: 'ok' } },
    description: '200 when the database answers, 503 otherwise.',
  })
  async check(): Promise<{ status: 'ok' }> {
    if (!(await this.health.ping())) throw new ServiceUnavailableException();
    return { status: 'ok' };
  }
}
