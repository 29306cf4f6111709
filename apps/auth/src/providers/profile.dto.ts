import { ApiProperty } from '@nestjs/swagger';
import type { Provider } from './provider.entity.js';
import { CREDENTIALS, type Credential, ROLES, type Role } from './provider-vocabulary.js';

/** A provider as the wire sees it: no hashes, no secrets, no MFA state beyond on/off. */
export class ProfileDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) organisationId: string;
  @ApiProperty() email: string;
  @ApiProperty() displayName: string;
  @ApiProperty({ enum: ROLES }) role: Role;
  @ApiProperty({ enum: CREDENTIALS }) credential: Credential;
  @ApiProperty({ example: '1234567893' }) npi: string;
  @ApiProperty({ example: 'CA' }) licenseState: string;
  @ApiProperty() licenseNumber: string;
  @ApiProperty() mfaEnabled: boolean;
}

export function mapProfile(provider: Provider): ProfileDto {
  return {
    id: provider.id,
    organisationId: provider.organisationId,
    email: provider.email,
    displayName: provider.displayName,
    role: provider.role,
    credential: provider.credential,
    npi: provider.npi,
    licenseState: provider.licenseState,
    licenseNumber: provider.licenseNumber,
    mfaEnabled: provider.mfaEnabled,
  };
}
