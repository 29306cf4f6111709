import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';
import type { DirectoryProvider } from '../providers/providers.repository.js';
import { CREDENTIALS, type Credential, ROLES, type Role } from '../providers/provider-vocabulary.js';

export const DIRECTORY_PAGE_DEFAULT = 200;
export const DIRECTORY_PAGE_MAX = 500;

export class ProviderDirectoryQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'The previous page’s nextAfter; omit for the first page.' })
  @IsOptional()
  @IsUUID()
  after?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: DIRECTORY_PAGE_MAX, default: DIRECTORY_PAGE_DEFAULT })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(DIRECTORY_PAGE_MAX)
  limit: number = DIRECTORY_PAGE_DEFAULT;
}

export type ProviderStatus = 'active' | 'disabled';

export class DirectoryProviderDto {
  @ApiProperty({ format: 'uuid' }) providerId: string;
  @ApiProperty({ format: 'uuid' }) organisationId: string;
  @ApiProperty() email: string;
  @ApiProperty() displayName: string;
  @ApiProperty({ enum: ROLES }) role: Role;
  @ApiProperty({ enum: CREDENTIALS }) credential: Credential;
  @ApiProperty({ enum: ['active', 'disabled'] }) status: ProviderStatus;
}

export class ProviderDirectoryPageDto {
  @ApiProperty({ type: [DirectoryProviderDto], description: 'Ordered by providerId, across all organisations.' })
  providers: DirectoryProviderDto[];

  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'Pass as `after` for the next page; null on the last page.',
  })
  nextAfter: string | null;
}

export function mapDirectoryProvider(provider: DirectoryProvider): DirectoryProviderDto {
  return {
    providerId: provider.id,
    organisationId: provider.organisationId,
    email: provider.email,
    displayName: provider.displayName,
    role: provider.role,
    credential: provider.credential,
    status: provider.disabledAt === null ? 'active' : 'disabled',
  };
}
