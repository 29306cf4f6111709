import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { Auth, type AuthContext, Authenticated } from '@sharedcare/auth';
import { mapMe, MeResponse } from './me.dto.js';

@ApiTags('providers')
@Controller('me')
export class MeController {
  @Authenticated({ permission: 'provider.me' })
  @Get()
  @ApiOkResponse({ type: MeResponse, description: 'The caller, as verified from the access token.' })
  @ApiUnauthorizedResponse({ description: '`unauthenticated`: no token, or one that is not valid here.' })
  me(@Auth() auth: AuthContext): MeResponse {
    return mapMe(auth);
  }
}
