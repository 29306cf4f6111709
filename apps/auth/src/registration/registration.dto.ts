import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsIn, IsString, Matches, MaxLength } from 'class-validator';
import { trimLower } from '../invites/invites.dto.js';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../providers/password-policy.js';
import { IsAcceptablePassword, IsNpi } from '../providers/provider-validators.js';
import { CREDENTIALS, type Credential, LICENSE_STATES, ROLES, type Role } from '../providers/provider-vocabulary.js';

export class RegisterDto {
  @ApiProperty({ description: 'The code from the invite; single use, valid seven days.', maxLength: 128 })
  @IsString()
  @MaxLength(128)
  inviteCode: string;

  @ApiProperty({ example: 'new.therapist@clinic.test', description: 'Must be the invited email.', maxLength: 254 })
  @Transform(trimLower)
  @IsString()
  @MaxLength(254)
  @IsEmail()
  email: string;

  @ApiProperty({
    minLength: PASSWORD_MIN_LENGTH,
    maxLength: PASSWORD_MAX_LENGTH,
    description: 'Characters, not bytes.',
  })
  @IsString()
  @MaxLength(PASSWORD_MAX_LENGTH * 4)
  @IsAcceptablePassword()
  password: string;

  @ApiProperty({ example: 'Dana Reyes, LCSW', maxLength: 100 })
  @IsString()
  @MaxLength(100)
  @Matches(/\S/)
  displayName: string;

  @ApiProperty({ enum: ROLES, description: 'Must be the invited role.' })
  @IsIn(ROLES)
  role: Role;

  @ApiProperty({ enum: CREDENTIALS })
  @IsIn(CREDENTIALS)
  credential: Credential;

  @ApiProperty({ example: '1234567893', description: 'Ten digits with a valid check digit.' })
  @IsString()
  @IsNpi()
  npi: string;

  @ApiProperty({ enum: LICENSE_STATES, example: 'CA' })
  @IsIn(LICENSE_STATES)
  licenseState: string;

  @ApiProperty({ example: 'LCSW-12345', maxLength: 32 })
  @IsString()
  @Matches(/^[A-Za-z0-9-]{1,32}$/)
  licenseNumber: string;
}
