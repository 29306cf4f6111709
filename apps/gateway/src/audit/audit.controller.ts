import { Controller, Get } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { AuditService } from '@sharedcare/audit';
import { Authenticated } from '@sharedcare/auth';
import { AuditVerifyResponse, mapAuditVerification } from './audit.dto.js';

@ApiTags('audit')
@Controller('audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Authenticated({ permission: 'audit.verify' })
  @Get('verify')
  @ApiOkResponse({ type: AuditVerifyResponse, description: 'The result of walking the whole audit hash chain.' })
  @ApiUnauthorizedResponse({ description: '`unauthenticated`: no token, or one that is not valid here.' })
  @ApiNotFoundResponse({ description: '`not_found`: the caller is not an admin.' })
  async verify(): Promise<AuditVerifyResponse> {
    return mapAuditVerification(await this.audit.verify());
  }
}
