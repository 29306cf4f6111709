import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches, MaxLength } from 'class-validator';
import { PASSWORD_MAX_LENGTH } from '../providers/password-policy.js';

export class MfaCodeDto {
  @ApiProperty({ example: '123456', description: 'The six-digit code from the authenticator app.' })
  @IsString()
  @Matches(/^\d{6}$/)
  code: string;
}

export class MfaVerifyDto extends MfaCodeDto {
  @ApiProperty({ description: 'From /auth/login when it answered mfaRequired.', maxLength: 128 })
  @IsString()
  @MaxLength(128)
  mfaToken: string;
}

export class MfaEnrollDto {
  @ApiProperty({
    description: 'The current password: an access token alone cannot turn MFA on.',
    maxLength: PASSWORD_MAX_LENGTH * 4,
  })
  @IsString()
  // Characters can take up to four UTF-16 units; the policy itself counts characters.
  @MaxLength(PASSWORD_MAX_LENGTH * 4)
  password: string;
}

export class MfaEnrollmentDto {
  @ApiProperty({ description: 'Base32 TOTP secret; shown only now. Confirm with a code to turn MFA on.' })
  secret: string;

  @ApiProperty({ example: 'otpauth://totp/SharedCare:therapist%40demo.test?secret=...&issuer=SharedCare' })
  otpauthUrl: string;
}

export class MfaStatusDto {
  @ApiProperty()
  mfaEnabled: boolean;
}
