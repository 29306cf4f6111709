import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { PublicRoute } from '../access/authenticated.decorator.js';
import { NoStore } from '../shared/no-store.decorator.js';
import { InternalKeyGuard } from './internal-key.guard.js';
import { ProviderDirectoryPageDto, ProviderDirectoryQueryDto } from './provider-directory.dto.js';
import { ProviderDirectoryService } from './provider-directory.service.js';

/**
 * Service-to-service routes: outside `/auth` (the clinicians' API) like the JWKS, so a proxy can
 * keep `/internal` off the public internet. No access token is asked for (PublicRoute); the
 * InternalKeyGuard asks for INTERNAL_API_KEY instead. Not rate limited: a sync walks many pages.
 */
@ApiTags('internal')
@ApiBearerAuth()
@Controller('internal/providers')
export class ProviderDirectoryController {
  constructor(private readonly directory: ProviderDirectoryService) {}

  @Get()
  @PublicRoute()
  @UseGuards(InternalKeyGuard)
  @NoStore()
  @ApiOperation({
    summary: 'Every provider account, for the consult service to sync its directory from',
    description: 'Bearer INTERNAL_API_KEY (base64url or base64), not an access token. Keyset paging by providerId.',
  })
  @ApiOkResponse({ type: ProviderDirectoryPageDto })
  @ApiUnauthorizedResponse({ description: 'unauthenticated: the internal key is missing or wrong.' })
  @ApiBadRequestResponse({ description: 'invalid: after is not a uuid, or limit is not an integer from 1 to 500.' })
  list(@Query() query: ProviderDirectoryQueryDto): Promise<ProviderDirectoryPageDto> {
    return this.directory.page(query.after, query.limit);
  }
}
