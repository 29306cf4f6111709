import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { trimString } from '@sharedcare/common';
import {
  type NamedVersion,
  type NamedVersionPlan,
  PLAN_SECTION_IDS,
  type PlanChange,
  type PlanComparison,
  type PlanPoint,
  type SafetyPlan,
  VERSION_LABEL_MAX,
} from '@sharedcare/safety-plan';
import { Transform, Type } from 'class-transformer';
import {
  IsBase64,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { ClientIdParam } from '../clients/clients.dto.js';

/** Room for any edit a person makes at once; a whole plan at its limits fits too. */
export const MAX_UPDATE_BASE64 = 48_000;
/** Presence (cursor, name, colour) is small; anything larger is not presence. */
export const MAX_AWARENESS_BASE64 = 4_000;

export class SafetyPlanRef {
  @IsUUID('all')
  clientId: string;
}

export class SafetyPlanUpdateEvent extends SafetyPlanRef {
  @IsString()
  @MaxLength(MAX_UPDATE_BASE64)
  @IsBase64()
  update: string;
}

export class SafetyPlanAwarenessEvent extends SafetyPlanRef {
  @IsString()
  @MaxLength(MAX_AWARENESS_BASE64)
  @IsBase64()
  update: string;
}

export class PlanChangesQuery {
  @ApiPropertyOptional({ description: 'Changes before this sequence (the previous page’s nextBefore).' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(2_147_483_647)
  before?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;
}

export class PlanItemResponse {
  @ApiProperty({ maxLength: 500 }) text: string;
  @ApiPropertyOptional({ maxLength: 100, description: 'Contacts sections only.' }) name?: string;
  @ApiPropertyOptional({ maxLength: 32, description: 'Contacts sections only.' }) phone?: string;
}

export class PlanSectionResponse {
  @ApiProperty({ enum: PLAN_SECTION_IDS }) id: string;
  @ApiProperty() heading: string;
  @ApiProperty() help: string;
  @ApiProperty({ type: [PlanItemResponse] }) items: PlanItemResponse[];
}

export class SafetyPlanResponse {
  @ApiProperty({ format: 'uuid' }) clientId: string;
  @ApiProperty({ description: 'The last change included.' }) seq: number;
  @ApiProperty({ type: [PlanSectionResponse], description: 'The six steps in order, then reasons for living.' })
  sections: PlanSectionResponse[];
}

export class PlanChangeResponse {
  @ApiProperty() seq: number;
  @ApiProperty({ format: 'uuid' }) authorId: string;
  @ApiProperty() createdAt: string;
  @ApiProperty({ enum: PLAN_SECTION_IDS, isArray: true }) sections: string[];
}

export class PlanChangesResponse {
  @ApiProperty({ format: 'uuid' }) clientId: string;
  @ApiProperty({ type: [PlanChangeResponse], description: 'Newest first.' }) changes: PlanChangeResponse[];
  @ApiProperty({ nullable: true, type: Number, description: 'Pass as `before` for the next page; null at the end.' })
  nextBefore: number | null;
}

export function mapSafetyPlan(plan: SafetyPlan): SafetyPlanResponse {
  return { clientId: plan.clientId, seq: plan.seq, sections: plan.sections.map((section) => ({ ...section })) };
}

export function mapPlanChanges(page: {
  clientId: string;
  changes: PlanChange[];
  nextBefore: number | null;
}): PlanChangesResponse {
  return {
    clientId: page.clientId,
    changes: page.changes.map((change) => ({
      seq: change.seq,
      authorId: change.authorId,
      createdAt: change.createdAt.toISOString(),
      sections: change.sections,
    })),
    nextBefore: page.nextBefore,
  };
}

export class NamedVersionRequest {
  @ApiProperty({
    minLength: 1,
    maxLength: VERSION_LABEL_MAX,
    example: 'Reviewed with the client on 12 March',
    description: 'Trimmed; stored encrypted.',
  })
  @Transform(trimString)
  @IsString()
  @MinLength(1)
  @MaxLength(VERSION_LABEL_MAX)
  label: string;
}

export class NamedVersionParams extends ClientIdParam {
  @IsUUID('all')
  versionId: string;
}

const UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
/** A named version's id, a change's sequence (0: the plan as created), or `current`. */
const PLAN_POINT = new RegExp(`^(${UUID}|0|[1-9][0-9]{0,8}|current)$`);

export class PlanCompareQuery {
  @ApiProperty({ description: 'A named version id, a change’s `seq` (0: the plan as created), or `current`.' })
  @IsString()
  @Matches(PLAN_POINT)
  from: string;

  @ApiPropertyOptional({ default: 'current', description: 'As `from`.' })
  @IsOptional()
  @IsString()
  @Matches(PLAN_POINT)
  to?: string;
}

/** A validated `from`/`to` value as a point in the plan's history. */
export function planPoint(value: string | undefined): PlanPoint {
  if (value === undefined || value === 'current') return 'current';
  return /^[0-9]+$/.test(value) ? { seq: Number(value) } : { versionId: value };
}

export class NamedVersionResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) clientId: string;
  @ApiProperty({ description: 'The last change the version includes (0: none).' }) seq: number;
  @ApiProperty() label: string;
  @ApiProperty({ format: 'uuid' }) authorId: string;
  @ApiProperty() createdAt: string;
}

export class NamedVersionsResponse {
  @ApiProperty({ format: 'uuid' }) clientId: string;
  @ApiProperty({ type: [NamedVersionResponse], description: 'Newest first.' }) versions: NamedVersionResponse[];
}

export class NamedVersionPlanResponse extends NamedVersionResponse {
  @ApiProperty({ type: [PlanSectionResponse], description: 'The plan as it was, sections in order.' })
  sections: PlanSectionResponse[];
}

export class ItemChangeResponse {
  @ApiProperty({ type: PlanItemResponse }) before: PlanItemResponse;
  @ApiProperty({ type: PlanItemResponse }) after: PlanItemResponse;
}

export class SectionComparisonResponse {
  @ApiProperty({ enum: PLAN_SECTION_IDS }) id: string;
  @ApiProperty() heading: string;
  @ApiProperty({ type: [PlanItemResponse] }) added: PlanItemResponse[];
  @ApiProperty({ type: [PlanItemResponse] }) removed: PlanItemResponse[];
  @ApiProperty({ type: [ItemChangeResponse], description: 'Items at both points whose fields differ.' })
  changed: ItemChangeResponse[];
  @ApiProperty() unchanged: number;
}

export class PlanPointResponse {
  @ApiProperty() seq: number;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) versionId: string | null;
}

export class PlanComparisonResponse {
  @ApiProperty({ format: 'uuid' }) clientId: string;
  @ApiProperty({ type: PlanPointResponse }) from: PlanPointResponse;
  @ApiProperty({ type: PlanPointResponse }) to: PlanPointResponse;
  @ApiProperty({ type: [SectionComparisonResponse], description: 'Every section, in plan order.' })
  sections: SectionComparisonResponse[];
}

export function mapNamedVersion(version: NamedVersion): NamedVersionResponse {
  return {
    id: version.id,
    clientId: version.clientId,
    seq: version.seq,
    label: version.label,
    authorId: version.authorId,
    createdAt: version.createdAt.toISOString(),
  };
}

export function mapNamedVersionPlan(version: NamedVersionPlan): NamedVersionPlanResponse {
  return { ...mapNamedVersion(version), sections: version.sections.map((section) => ({ ...section })) };
}

export function mapPlanComparison(comparison: PlanComparison): PlanComparisonResponse {
  return {
    clientId: comparison.clientId,
    from: { ...comparison.from },
    to: { ...comparison.to },
    sections: comparison.sections.map((section) => ({ ...section })),
  };
}
