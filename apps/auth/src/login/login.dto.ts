import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsString, MaxLength } from 'class-validator';
import { trimLower } from '../invites/invites.dto.js';
import { PASSWORD_MAX_LENGTH } from '../providers/password-policy.js';

export class LoginDto {
  @ApiProperty({ example: 'therapist@demo.test', maxLength: 254 })
  @Transform(trimLower)
  @IsString()
  @MaxLength(254)
  @IsEmail()
  email: string;

  @ApiProperty({ example: 'SharedCare-demo-1', maxLength: PASSWORD_MAX_LENGTH * 4 })
  @IsString()
  // Characters can take up to four UTF-16 units; the policy itself counts characters.
  @MaxLength(PASSWORD_MAX_LENGTH * 4)
  password: string;
}

export class MfaRequiredDto {
  @ApiProperty({ enum: [true] })
  mfaRequired: true;

  @ApiProperty({ description: 'Send it with a TOTP code to /auth/mfa/verify within 5 minutes; single use.' })
  mfaToken: string;
}
