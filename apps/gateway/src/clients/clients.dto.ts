import { trimString } from '@sharedcare/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  type AccessBasis,
  type ClientDetail,
  type ClientNoticeView,
  type ClientView,
  type EmergencyAccessView,
  EMERGENCY_REASON_MIN_LENGTH,
} from '@sharedcare/consent';
import { Transform, Type } from 'class-transformer';
import {
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  registerDecorator,
  type ValidationOptions,
} from 'class-validator';

/** A calendar date `YYYY-MM-DD` that exists, from 1900 up to today. */
export function IsPastCalendarDate(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'pastCalendarDate',
      target: object.constructor,
      propertyName,
      options,
      validator: {
        validate(value: unknown) {
          if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
          const date = new Date(`${value}T00:00:00Z`);
          return (
            !Number.isNaN(date.getTime()) &&
            date.toISOString().startsWith(value) &&
            value >= '1900-01-01' &&
            date.getTime() <= Date.now()
          );
        },
      },
    });
}

export class ClientIdParam {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all')
  clientId: string;
}

export class CreateClientDto {
  @ApiProperty({ example: 'Jordan Lee', maxLength: 200, description: 'How the team refers to the client.' })
  @Transform(trimString)
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  displayName: string;

  @ApiProperty({ example: '1990-04-12', description: 'YYYY-MM-DD, a real date, not in the future.' })
  @IsPastCalendarDate()
  dateOfBirth: string;

  @ApiPropertyOptional({ example: 'MRN-00412', maxLength: 64, description: 'The clinic’s own record number.' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9._-]{1,64}$/)
  externalId?: string;
}

export class EmergencyAccessDto {
  @ApiProperty({
    minLength: EMERGENCY_REASON_MIN_LENGTH,
    maxLength: 1000,
    example: 'Client called the crisis line; on-call needs the safety plan now.',
  })
  @Transform(trimString)
  @IsString()
  @MinLength(EMERGENCY_REASON_MIN_LENGTH)
  @MaxLength(1000)
  reason: string;
}

export class AccessReportQuery {
  @ApiPropertyOptional({ description: 'Entries older than this sequence (the previous page’s nextBefore).' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  before?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;
}

const ACCESS_BASES = ['care_team', 'consent', 'emergency', 'admin', 'organisation'];

export class ClientResponse {
  @ApiProperty({ format: 'uuid' })
  clientId: string;

  @ApiProperty({ example: 'Jordan Lee' })
  displayName: string;

  @ApiProperty({ example: '1990-04-12' })
  dateOfBirth: string;

  @ApiProperty({ nullable: true, type: String })
  externalId: string | null;

  @ApiProperty()
  createdAt: string;

  @ApiProperty({ enum: ACCESS_BASES, description: 'Why the caller can see this client.' })
  access: AccessBasis;
}

export class ClientDetailResponse extends ClientResponse {
  @ApiProperty({ type: [String], description: 'Providers who treat the client directly.' })
  careTeamIds: string[];
}

export class ClientListResponse {
  @ApiProperty({ type: [ClientResponse] })
  clients: ClientResponse[];
}

export class EmergencyAccessResponse {
  @ApiProperty({ format: 'uuid' })
  grantId: string;

  @ApiProperty({ format: 'uuid' })
  clientId: string;

  @ApiProperty()
  openedAt: string;

  @ApiProperty()
  expiresAt: string;

  @ApiProperty({ enum: [true] })
  readOnly: true;
}

export class ClientNoticeResponse {
  @ApiProperty({ format: 'uuid' })
  noticeId: string;

  @ApiProperty({ enum: ['emergency_access'] })
  kind: 'emergency_access';

  @ApiProperty({ format: 'uuid', description: 'Who did it.' })
  actorId: string;

  @ApiProperty({ format: 'uuid', description: 'The record it is about (the emergency access grant).' })
  subjectId: string;

  @ApiProperty()
  createdAt: string;
}

export class ClientNoticeListResponse {
  @ApiProperty({ type: [ClientNoticeResponse] })
  notices: ClientNoticeResponse[];
}

export function mapClient(client: ClientView): ClientResponse {
  return {
    clientId: client.clientId,
    displayName: client.displayName,
    dateOfBirth: client.dateOfBirth,
    externalId: client.externalId,
    createdAt: client.createdAt.toISOString(),
    access: client.access,
  };
}

export function mapClientDetail(client: ClientDetail): ClientDetailResponse {
  return { ...mapClient(client), careTeamIds: client.careTeamIds };
}

export function mapEmergencyAccess(view: EmergencyAccessView): EmergencyAccessResponse {
  return {
    grantId: view.grantId,
    clientId: view.clientId,
    openedAt: view.openedAt.toISOString(),
    expiresAt: view.expiresAt.toISOString(),
    readOnly: true,
  };
}

export function mapNotice(notice: ClientNoticeView): ClientNoticeResponse {
  return {
    noticeId: notice.noticeId,
    kind: notice.kind,
    actorId: notice.actorId,
    subjectId: notice.subjectId,
    createdAt: notice.createdAt.toISOString(),
  };
}
