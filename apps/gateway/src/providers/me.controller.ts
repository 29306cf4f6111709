import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { Auth, type AuthContext, Authenticated } from '@sharedcare/auth';
import { DirectoryService } from '@sharedcare/directory';
import { mapMe, MeResponse } from './me.dto.js';

@ApiTags('providers')
@Controller('me')
export class MeController {
  constructor(private readonly directory: DirectoryService) {}

  @Authenticated({ permission: 'provider.me' })
  @Get()
  @ApiOkResponse({ type: MeResponse, description: 'The caller, as verified from the access token.' })
  @ApiUnauthorizedResponse({
    description: '`unauthenticated`: no token, one that is not valid here, or a disabled account.',
  })
  async me(@Auth() auth: AuthContext): Promise<MeResponse> {
    await this.directory.requireActive(auth);
    return mapMe(auth);
  }
}
