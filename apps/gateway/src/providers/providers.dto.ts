import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ROLES, type Role } from '@sharedcare/auth';
import { PROVIDER_STATUSES, type DirectoryProvider, type ProviderStatus } from '@sharedcare/directory';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

export class ProviderSearchQuery {
  @ApiPropertyOptional({ description: 'Part of a name or email, any case.', maxLength: 100 })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  query?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;
}

export class ProviderResponse {
  @ApiProperty({ format: 'uuid' })
  providerId: string;

  @ApiProperty({ example: 'Sam Okafor' })
  displayName: string;

  @ApiProperty({ enum: ROLES })
  role: Role;

  @ApiProperty({ example: 'MD' })
  credential: string;

  @ApiProperty({ nullable: true, type: String, description: 'Known once the directory has synced.' })
  email: string | null;

  @ApiProperty({ enum: PROVIDER_STATUSES })
  status: ProviderStatus;
}

export class ProviderListResponse {
  @ApiProperty({ type: [ProviderResponse] })
  providers: ProviderResponse[];
}

export function mapProvider(provider: DirectoryProvider): ProviderResponse {
  return {
    providerId: provider.id,
    displayName: provider.displayName,
    role: provider.role as Role,
    credential: provider.credential,
    email: provider.email,
    status: provider.status,
  };
}
