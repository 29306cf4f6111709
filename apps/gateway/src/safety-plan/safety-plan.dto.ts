import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PLAN_SECTION_IDS, type PlanChange, type SafetyPlan } from '@sharedcare/safety-plan';
import { Type } from 'class-transformer';
import { IsBase64, IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';

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
