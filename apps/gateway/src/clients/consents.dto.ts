import { trimString } from '@sharedcare/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ATTESTATION_METHODS,
  type AttestationMethod,
  CONSENT_CATEGORIES,
  CONSENT_PURPOSES,
  CONSENT_STATUSES,
  type ConsentCategory,
  type ConsentPurpose,
  type ConsentStatus,
  type ConsentView,
} from '@sharedcare/consent';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';

export const MAX_CONSENT_RECIPIENTS = 20;

export class ConsentIdParam {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all')
  consentId: string;
}

export class AttestationDto {
  @ApiProperty({ enum: ATTESTATION_METHODS })
  @IsIn(ATTESTATION_METHODS)
  method: AttestationMethod;

  @ApiProperty({
    example: 'Jordan Lee',
    maxLength: 200,
    description: 'Who gave the consent: the client or their guardian.',
  })
  @Transform(trimString)
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  signerName: string;
}

export class GrantConsentDto {
  @ApiProperty({ type: [String], format: 'uuid', description: 'Clinicians of the organisation who may receive.' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_CONSENT_RECIPIENTS)
  @IsUUID('all', { each: true })
  recipientIds: string[];

  @ApiProperty({ enum: CONSENT_CATEGORIES, isArray: true, description: '`substance_use` only when named.' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(CONSENT_CATEGORIES.length)
  @IsIn(CONSENT_CATEGORIES, { each: true })
  categories: ConsentCategory[];

  @ApiProperty({ enum: CONSENT_PURPOSES })
  @IsIn(CONSENT_PURPOSES)
  purpose: ConsentPurpose;

  @ApiProperty({ example: '2027-11-27T00:00:00Z', description: 'In the future, within five years.' })
  @IsISO8601({ strict: true, strictSeparator: true })
  expiresAt: string;

  @ApiProperty({ type: AttestationDto })
  @IsObject()
  @ValidateNested()
  @Type(() => AttestationDto)
  attestation: AttestationDto;

  @ApiPropertyOptional({ maxLength: 2000, description: 'Anything else the team should know; stored encrypted.' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  notes?: string;
}

export class RevokeConsentDto {
  @ApiProperty({ maxLength: 500, example: 'Client withdrew consent by phone.' })
  @Transform(trimString)
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  reason: string;
}

export class ConsentAttestationResponse {
  @ApiProperty({ enum: ATTESTATION_METHODS })
  method: AttestationMethod;

  @ApiProperty()
  signerName: string;

  @ApiProperty({ format: 'uuid', description: 'The provider who recorded it.' })
  recordedBy: string;
}

export class ConsentResponse {
  @ApiProperty({ format: 'uuid' })
  consentId: string;

  @ApiProperty({ format: 'uuid' })
  clientId: string;

  @ApiProperty({ type: [String] })
  recipientIds: string[];

  @ApiProperty({ enum: CONSENT_CATEGORIES, isArray: true })
  categories: ConsentCategory[];

  @ApiProperty({ enum: CONSENT_PURPOSES })
  purpose: ConsentPurpose;

  @ApiProperty({ enum: CONSENT_STATUSES })
  status: ConsentStatus;

  @ApiProperty()
  effectiveFrom: string;

  @ApiProperty()
  expiresAt: string;

  @ApiProperty({ type: ConsentAttestationResponse })
  attestation: ConsentAttestationResponse;

  @ApiProperty({ nullable: true, type: String })
  notes: string | null;

  @ApiProperty()
  createdAt: string;

  @ApiProperty({ nullable: true, type: String })
  revokedAt: string | null;

  @ApiProperty({ nullable: true, type: String })
  revokedBy: string | null;

  @ApiProperty({ nullable: true, type: String })
  revocationReason: string | null;

  @ApiPropertyOptional({ description: 'The 42 CFR 2.32 notice, when the consent covers substance use.' })
  redisclosureNotice?: string;
}

export class ConsentListResponse {
  @ApiProperty({ type: [ConsentResponse] })
  consents: ConsentResponse[];
}

export function mapConsent(consent: ConsentView): ConsentResponse {
  return {
    consentId: consent.consentId,
    clientId: consent.clientId,
    recipientIds: consent.recipientIds,
    categories: consent.categories,
    purpose: consent.purpose,
    status: consent.status,
    effectiveFrom: consent.effectiveFrom.toISOString(),
    expiresAt: consent.expiresAt.toISOString(),
    attestation: consent.attestation,
    notes: consent.notes,
    createdAt: consent.createdAt.toISOString(),
    revokedAt: consent.revokedAt?.toISOString() ?? null,
    revokedBy: consent.revokedBy,
    revocationReason: consent.revocationReason,
    ...(consent.redisclosureNotice ? { redisclosureNotice: consent.redisclosureNotice } : {}),
  };
}
