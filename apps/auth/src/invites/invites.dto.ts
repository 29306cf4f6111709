import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsIn, IsString, MaxLength } from 'class-validator';
import { normaliseEmail, ROLES, type Role } from '../providers/provider-vocabulary.js';

export const trimLower = ({ value }: { value: unknown }) => (typeof value === 'string' ? normaliseEmail(value) : value);

export class CreateInviteDto {
  @ApiProperty({ example: 'new.therapist@clinic.test', maxLength: 254 })
  @Transform(trimLower)
  @IsString()
  @MaxLength(254)
  @IsEmail()
  email: string;

  @ApiProperty({ enum: ROLES, description: 'The role the invited provider will have; registration cannot change it.' })
  @IsIn(ROLES)
  role: Role;
}

export class InviteCreatedDto {
  @ApiProperty({ description: 'Single use; give it to the invited provider. Shown only once.' })
  inviteCode: string;

  @ApiProperty({ format: 'date-time', description: 'Seven days after creation.' })
  expiresAt: string;
}
