import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type {
  Measures,
  MeasurePoint,
  MedicationHistoryEntry,
  MedicationList,
  MedicationListEntry,
  Phq9Summary,
} from '@sharedcare/care-record';
import { CONSENT_CATEGORIES } from '@sharedcare/consent';
import { INSTRUMENTS, MEDICATION_ACTIONS } from '@sharedcare/consult';
import { Equals } from 'class-validator';

/** A route that takes no query parameters: any given is refused (`invalid`), never ignored. */
export class NoQuery {
  // class-validator refuses a class it holds no rule for (forbidUnknownValues); this rule admits
  // nothing a caller could send, and the whitelist refuses every other name.
  @Equals(undefined)
  readonly none?: never;
}

export class DoseResponse {
  @ApiProperty() value: number;
  @ApiProperty({ example: 'mg' }) unit: string;
}

export class MedicationHistoryResponse {
  @ApiProperty({ format: 'uuid', description: 'The message the change stands in (the amendment, if amended).' })
  messageId: string;
  @ApiProperty({ format: 'uuid' }) threadId: string;
  @ApiProperty({ enum: MEDICATION_ACTIONS }) action: string;
  @ApiProperty({ type: DoseResponse, nullable: true }) dose: DoseResponse | null;
  @ApiProperty({ nullable: true, type: String }) frequency: string | null;
  @ApiProperty({ nullable: true, type: String }) route: string | null;
  @ApiProperty({ example: '2026-01-06' }) effectiveDate: string;
  @ApiProperty() reason: string;
  @ApiProperty({ nullable: true, type: String }) monitoring: string | null;
  @ApiProperty({ format: 'uuid', description: 'Who posted (or amended) the change.' }) changedBy: string;
  @ApiProperty() recordedAt: string;
  @ApiProperty({ enum: CONSENT_CATEGORIES }) category: string;
  @ApiProperty({ description: 'The change was amended; this is its amended version.' }) amended: boolean;
  @ApiProperty({ format: 'uuid', description: 'The message the change was first posted in.' })
  originalMessageId: string;
}

export class MedicationResponse {
  @ApiProperty({ example: 'sertraline' }) name: string;
  @ApiProperty({ nullable: true, type: String, example: '36437' }) rxnormCode: string | null;
  @ApiProperty({ enum: ['active', 'stopped', 'on_hold'] }) status: string;
  @ApiProperty({ type: DoseResponse, nullable: true }) dose: DoseResponse | null;
  @ApiProperty({ nullable: true, type: String }) frequency: string | null;
  @ApiProperty({ nullable: true, type: String }) route: string | null;
  @ApiProperty({ description: 'Effective date of the change that gave the current status.' }) statusSince: string;
  @ApiProperty({ type: MedicationHistoryResponse }) lastChange: MedicationHistoryResponse;
  @ApiProperty({ type: [MedicationHistoryResponse], description: 'In clinical order: effective date, then posting.' })
  history: MedicationHistoryResponse[];
  @ApiProperty({ type: [String], enum: CONSENT_CATEGORIES }) categories: string[];
}

export class MedicationListResponse {
  @ApiProperty({ format: 'uuid' }) clientId: string;
  @ApiProperty({ type: [MedicationResponse], description: 'Active first, then on hold, then stopped.' })
  medications: MedicationResponse[];
  @ApiPropertyOptional({ description: '42 CFR 2.32: present when a change listed is substance-use information.' })
  redisclosureNotice?: string;
}

export class MeasurePointResponse {
  @ApiProperty({ format: 'uuid' }) messageId: string;
  @ApiProperty({ description: 'Its place among the message’s measures.' }) index: number;
  @ApiProperty({ format: 'uuid' }) threadId: string;
  @ApiProperty({ enum: INSTRUMENTS }) instrument: string;
  @ApiProperty() score: number;
  @ApiProperty({ type: [Number], nullable: true }) items: number[] | null;
  @ApiProperty() observedAt: string;
  @ApiProperty({ format: 'uuid' }) recordedBy: string;
  @ApiProperty() recordedAt: string;
  @ApiProperty({ enum: CONSENT_CATEGORIES }) category: string;
  @ApiProperty() amended: boolean;
  @ApiProperty({
    type: [String],
    enum: ['severe', 'safety'],
    description: 'PHQ-9: `severe` at 20 or more; `safety` when item 9 is above 0.',
  })
  flags: string[];
}

export class MeasureSeriesResponse {
  @ApiProperty({ enum: INSTRUMENTS }) instrument: string;
  @ApiProperty({ type: [MeasurePointResponse], description: 'By observedAt.' }) points: MeasurePointResponse[];
}

export class Phq9FlagsResponse {
  @ApiProperty({ description: 'The latest PHQ-9 is 20 or more.' }) severe: boolean;
  @ApiProperty({ nullable: true, type: Boolean, description: 'The latest PHQ-9’s item 9 is above 0 (null: no items).' })
  safety: boolean | null;
  @ApiProperty({ description: 'The response below is `not_improving`.' }) notImproving: boolean;
}

export class Phq9SummaryResponse {
  @ApiProperty({ type: MeasurePointResponse, description: 'The first PHQ-9 observed.' }) baseline: MeasurePointResponse;
  @ApiProperty({ type: MeasurePointResponse }) latest: MeasurePointResponse;
  @ApiProperty({ description: 'Baseline + 10 weeks.' }) windowStart: string;
  @ApiProperty({ description: 'Baseline + 12 weeks.' }) windowEnd: string;
  @ApiProperty({ enum: ['too_early', 'awaiting_measure', 'response', 'remission', 'not_improving', 'missed'] })
  response: string;
  @ApiProperty({ type: MeasurePointResponse, nullable: true, description: 'The latest PHQ-9 inside the window.' })
  evaluated: MeasurePointResponse | null;
  @ApiProperty({ type: Phq9FlagsResponse }) flags: Phq9FlagsResponse;
}

export class MeasuresResponse {
  @ApiProperty({ format: 'uuid' }) clientId: string;
  @ApiProperty({ type: [MeasureSeriesResponse], description: 'PHQ-9, GAD-7, C-SSRS, those with results.' })
  series: MeasureSeriesResponse[];
  @ApiProperty({ type: Phq9SummaryResponse, nullable: true }) phq9: Phq9SummaryResponse | null;
  @ApiPropertyOptional({ description: '42 CFR 2.32: present when a result listed is substance-use information.' })
  redisclosureNotice?: string;
}

const mapHistory = (entry: MedicationHistoryEntry): MedicationHistoryResponse => ({
  ...entry,
  recordedAt: entry.recordedAt.toISOString(),
});

const mapMedication = (entry: MedicationListEntry): MedicationResponse => ({
  ...entry,
  lastChange: mapHistory(entry.lastChange),
  history: entry.history.map(mapHistory),
});

export function mapMedicationList(list: MedicationList): MedicationListResponse {
  return { ...list, medications: list.medications.map(mapMedication) };
}

const mapPoint = (point: MeasurePoint): MeasurePointResponse => ({
  ...point,
  recordedAt: point.recordedAt.toISOString(),
});

const mapPhq9 = (summary: Phq9Summary): Phq9SummaryResponse => ({
  ...summary,
  baseline: mapPoint(summary.baseline),
  latest: mapPoint(summary.latest),
  evaluated: summary.evaluated && mapPoint(summary.evaluated),
});

export function mapMeasures(measures: Measures): MeasuresResponse {
  return {
    ...measures,
    series: measures.series.map((series) => ({ ...series, points: series.points.map(mapPoint) })),
    phq9: measures.phq9 && mapPhq9(measures.phq9),
  };
}
