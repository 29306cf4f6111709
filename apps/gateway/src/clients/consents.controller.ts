import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Auth, type AuthContext, Authenticated } from '@sharedcare/auth';
import { ConsentsService } from '@sharedcare/consent';
import { ConsentIdParam, ConsentResponse, mapConsent, RevokeConsentDto } from './consents.dto.js';

@ApiTags('clients')
@Controller('consents')
export class ConsentsController {
  constructor(private readonly consents: ConsentsService) {}

  @Authenticated({ permission: 'consent.revoke' })
  @Post(':consentId/revoke')
  @HttpCode(200)
  @ApiOkResponse({ type: ConsentResponse, description: 'Revoked from this moment, on every gateway process.' })
  @ApiUnauthorizedResponse({ description: '`unauthenticated`' })
  @ApiBadRequestResponse({ description: '`invalid`' })
  @ApiNotFoundResponse({ description: '`not_found`: no such consent, or the caller is not on the care team.' })
  @ApiConflictResponse({ description: '`conflict`: already revoked.' })
  async revoke(
    @Auth() auth: AuthContext,
    @Param() params: ConsentIdParam,
    @Body() body: RevokeConsentDto,
  ): Promise<ConsentResponse> {
    return mapConsent(await this.consents.revoke(auth, params.consentId, body.reason));
  }
}
