import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';

export class RefreshTokenDto {
  @ApiProperty({ description: 'The opaque refresh token from login, verify or the previous refresh.', maxLength: 128 })
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  refreshToken: string;
}

export class SessionTokensDto {
  @ApiProperty({ description: 'JWT (EdDSA, typ at+jwt) for the consult service; 10 minutes.' })
  accessToken: string;

  @ApiProperty({
    description:
      'Opaque, single use: exchange it at /auth/refresh for a new pair. Idle expiry 30 minutes, absolute 12 hours.',
  })
  refreshToken: string;

  @ApiProperty({ example: 600, description: 'Seconds until the access token expires.' })
  expiresIn: number;
}
