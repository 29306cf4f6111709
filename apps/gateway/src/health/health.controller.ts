import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '@sharedcare/auth';
import { HealthRepository } from './health.repository.js';

export class HealthResponse {
  @ApiProperty({ example: 'ok' })
  status: 'ok';
}

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthRepository) {}

  @Public()
  @Get()
  @ApiOkResponse({ type: HealthResponse, description: 'The service and its database answer.' })
  @ApiServiceUnavailableResponse({ description: 'The database does not answer.' })
  async check(): Promise<HealthResponse> {
    if (!(await this.health.isGatewaySchemaReachable())) throw new ServiceUnavailableException();
    return { status: 'ok' };
  }
}
