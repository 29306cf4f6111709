import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import { PublicRoute } from '../access/authenticated.decorator.js';
import { type PublishedJwk, SigningKeysService } from './signing-keys.service.js';

class JwkDto {
  @ApiProperty({ example: 'OKP' }) kty: string;
  @ApiProperty({ example: 'Ed25519' }) crv: string;
  @ApiProperty() x: string;
  @ApiProperty() kid: string;
  @ApiProperty({ example: 'EdDSA' }) alg: string;
  @ApiProperty({ example: 'sig' }) use: string;
}

class JwksDto {
  @ApiProperty({ type: [JwkDto] }) keys: JwkDto[];
}

@ApiTags('keys')
@Controller('.well-known')
export class JwksController {
  constructor(private readonly keys: SigningKeysService) {}

  @Get('jwks.json')
  @PublicRoute()
  @Header('Cache-Control', 'public, max-age=60')
  @ApiOkResponse({
    type: JwksDto,
    description: 'The current signing key and superseded keys whose tokens may still be valid.',
  })
  jwks(): Promise<{ keys: PublishedJwk[] }> {
    return this.keys.jwks();
  }
}
