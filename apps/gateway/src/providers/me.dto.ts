import { ApiProperty } from '@nestjs/swagger';
import { type AuthContext, ROLES, type Role } from '@sharedcare/auth';

/** The verified caller, as the access token names them. */
export class MeResponse {
  @ApiProperty({ format: 'uuid' })
  providerId: string;

  @ApiProperty({ format: 'uuid' })
  organisationId: string;

  @ApiProperty({ enum: ROLES })
  role: Role;

  @ApiProperty({ example: 'Dana Reyes' })
  displayName: string;

  @ApiProperty({ example: 'LCSW', description: 'LMFT, LPC, LCSW, PsyD, PhD, MD, DO, PMHNP, RN or other' })
  credential: string;
}

export function mapMe(auth: AuthContext): MeResponse {
  return {
    providerId: auth.providerId,
    organisationId: auth.organisationId,
    role: auth.role,
    displayName: auth.displayName,
    credential: auth.credential,
  };
}
