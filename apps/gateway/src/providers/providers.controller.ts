import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { Auth, type AuthContext, Authenticated } from '@sharedcare/auth';
import { DirectoryService } from '@sharedcare/directory';
import { mapProvider, ProviderListResponse, ProviderSearchQuery } from './providers.dto.js';

@ApiTags('providers')
@Controller('providers')
export class ProvidersController {
  constructor(private readonly directory: DirectoryService) {}

  @Authenticated({ permission: 'provider.read' })
  @Get()
  @ApiOkResponse({ type: ProviderListResponse, description: 'Active providers of the caller’s organisation, by name.' })
  @ApiUnauthorizedResponse({ description: '`unauthenticated`, also for a disabled account.' })
  async search(@Auth() auth: AuthContext, @Query() query: ProviderSearchQuery): Promise<ProviderListResponse> {
    const providers = await this.directory.search(auth, query.query, query.limit ?? 50);
    return { providers: providers.map(mapProvider) };
  }
}
