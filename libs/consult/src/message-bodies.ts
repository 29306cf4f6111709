import { plainToInstance, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsNumber,
  IsObject,
  IsOptional,
  IsPositive,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
  type ValidationError,
  validateSync,
} from 'class-validator';
import { DomainException, findForbiddenKey } from '@sharedcare/common';
import {
  ALL_REFERRAL_REASONS,
  INSTRUMENT_ITEMS,
  INSTRUMENTS,
  type Instrument,
  MEDICATION_ACTIONS,
  type MedicationAction,
  type MessageKind,
  REFERRAL_DIRECTIONS,
  REFERRAL_REASONS,
  REFERRAL_UPDATES,
  REFERRAL_URGENCIES,
  type ReferralDirection,
  RISK_LEVELS,
  type RiskLevel,
} from './message-vocabulary.js';

const TEXT_MAX = 10_000;
const SHORT_MAX = 200;
const ISO_DATE_TIME = { strict: true, strictSeparator: true } as const;

export class NoteBody {
  @IsString()
  @MinLength(1)
  @MaxLength(TEXT_MAX)
  text: string;
}

export class MeasureBody {
  @IsIn(INSTRUMENTS)
  instrument: Instrument;

  /** Item answers in the instrument's order, when given: they must add up to the score. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(9)
  @IsInt({ each: true })
  @Min(0, { each: true })
  @Max(3, { each: true })
  items?: number[];

  @IsInt()
  @Min(0)
  @Max(27)
  score: number;

  @IsISO8601(ISO_DATE_TIME)
  observedAt: string;
}

export class SymptomUpdateBody {
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(TEXT_MAX)
  text?: string;

  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10)
  @ValidateNested({ each: true })
  @Type(() => MeasureBody)
  measures?: MeasureBody[];
}

export class MedicationBody {
  @IsString()
  @MinLength(1)
  @MaxLength(SHORT_MAX)
  name: string;

  /** An RxNorm concept id (RxCUI): digits. */
  @IsOptional()
  @Matches(/^\d{1,10}$/)
  rxnormCode?: string;
}

export class DoseBody {
  @IsNumber({ allowNaN: false, allowInfinity: false, maxDecimalPlaces: 4 })
  @IsPositive()
  @Max(100_000)
  value: number;

  @IsString()
  @Matches(/^[A-Za-z0-9µ/%.]{1,16}$/)
  unit: string;
}

export class MedicationChangeBody {
  @IsIn(MEDICATION_ACTIONS)
  action: MedicationAction;

  @IsObject()
  @ValidateNested()
  @Type(() => MedicationBody)
  medication: MedicationBody;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => DoseBody)
  dose?: DoseBody;

  @IsOptional()
  @IsString()
  @MaxLength(SHORT_MAX)
  frequency?: string;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  route?: string;

  /** `YYYY-MM-DD` (or a full date-time). */
  @IsISO8601(ISO_DATE_TIME)
  effectiveDate: string;

  @IsString()
  @MinLength(1)
  @MaxLength(TEXT_MAX)
  reason: string;

  @IsOptional()
  @IsString()
  @MaxLength(TEXT_MAX)
  monitoring?: string;

  @IsOptional()
  @IsISO8601(ISO_DATE_TIME)
  acknowledgeBy?: string;
}

export class ReferralBody {
  /** A new referral: direction, reasons and urgency. */
  @IsOptional()
  @IsIn(REFERRAL_DIRECTIONS)
  direction?: ReferralDirection;

  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(ALL_REFERRAL_REASONS.length)
  @IsIn(ALL_REFERRAL_REASONS, { each: true })
  reasons?: string[];

  @IsOptional()
  @IsIn(REFERRAL_URGENCIES)
  urgency?: (typeof REFERRAL_URGENCIES)[number];

  @IsOptional()
  @IsString()
  @MaxLength(TEXT_MAX)
  notes?: string;

  /** A follow-up: the referral message it answers, and its new status. */
  @IsOptional()
  @IsUUID('all')
  referralMessageId?: string;

  @IsOptional()
  @IsIn(REFERRAL_UPDATES)
  status?: (typeof REFERRAL_UPDATES)[number];

  /** Required when declining. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(TEXT_MAX)
  reason?: string;
}

export class SafetyConcernBody {
  @IsIn(RISK_LEVELS)
  riskLevel: RiskLevel;

  @IsString()
  @MinLength(1)
  @MaxLength(TEXT_MAX)
  summary: string;

  @IsString()
  @MinLength(1)
  @MaxLength(TEXT_MAX)
  actionsTaken: string;

  @IsOptional()
  @IsISO8601(ISO_DATE_TIME)
  acknowledgeBy?: string;
}

export type MessageBody = NoteBody | SymptomUpdateBody | MedicationChangeBody | ReferralBody | SafetyConcernBody;

const BODY_CLASSES = {
  note: NoteBody,
  symptom_update: SymptomUpdateBody,
  medication_change: MedicationChangeBody,
  referral: ReferralBody,
  safety_concern: SafetyConcernBody,
} as const;

export type SendableKind = keyof typeof BODY_CLASSES;

interface Problem {
  field: string;
  problems: string[];
}

function flatten(errors: ValidationError[], parent: string): Problem[] {
  return errors.flatMap((error) => {
    const field = `${parent}.${error.property}`;
    const own = error.constraints ? [{ field, problems: Object.keys(error.constraints) }] : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/** The rules one field cannot state alone: item sums, ranges per instrument, reasons per direction. */
function crossFieldProblems(kind: SendableKind, body: MessageBody): Problem[] {
  const problems: Problem[] = [];
  if (kind === 'symptom_update') {
    const update = body as SymptomUpdateBody;
    if (update.text === undefined && update.measures === undefined) {
      problems.push({ field: 'body', problems: ['textOrMeasures'] });
    }
    update.measures?.forEach((measure, index) => {
      const { count, max } = INSTRUMENT_ITEMS[measure.instrument];
      const field = `body.measures.${index}`;
      if (measure.score > count * max) problems.push({ field: `${field}.score`, problems: ['range'] });
      if (measure.items !== undefined) {
        if (measure.items.length !== count) problems.push({ field: `${field}.items`, problems: ['itemCount'] });
        else if (measure.items.some((item) => item > max))
          problems.push({ field: `${field}.items`, problems: ['range'] });
        else if (measure.items.reduce((sum, item) => sum + item, 0) !== measure.score) {
          problems.push({ field: `${field}.score`, problems: ['itemsSum'] });
        }
      }
    });
  }
  if (kind === 'referral') {
    const referral = body as ReferralBody;
    const opening =
      referral.direction !== undefined || referral.reasons !== undefined || referral.urgency !== undefined;
    const followUp = referral.referralMessageId !== undefined || referral.status !== undefined;
    if (opening === followUp) {
      problems.push({ field: 'body', problems: ['referralOrFollowUp'] });
    } else if (opening) {
      for (const name of ['direction', 'reasons', 'urgency'] as const) {
        if (referral[name] === undefined) problems.push({ field: `body.${name}`, problems: ['required'] });
      }
      if (referral.reason !== undefined) problems.push({ field: 'body.reason', problems: ['followUpOnly'] });
      if (referral.direction && referral.reasons) {
        const allowed = REFERRAL_REASONS[referral.direction] as readonly string[];
        referral.reasons.forEach((reason, index) => {
          if (!allowed.includes(reason)) problems.push({ field: `body.reasons.${index}`, problems: ['direction'] });
        });
        if (new Set(referral.reasons).size !== referral.reasons.length) {
          problems.push({ field: 'body.reasons', problems: ['unique'] });
        }
      }
    } else {
      for (const name of ['referralMessageId', 'status'] as const) {
        if (referral[name] === undefined) problems.push({ field: `body.${name}`, problems: ['required'] });
      }
      if (referral.notes !== undefined) problems.push({ field: 'body.notes', problems: ['openingOnly'] });
      if (referral.status === 'declined' && referral.reason === undefined) {
        problems.push({ field: 'body.reason', problems: ['required'] });
      }
    }
  }
  return problems;
}

/**
 * Validates a message body against its kind (DESIGN.md, Message bodies): unknown fields refused,
 * item answers in range and adding up to the score, referral reasons from the taxonomy of their
 * direction. Returns the typed body or throws `invalid` naming every field (never echoing values).
 */
export function parseMessageBody(kind: MessageKind, body: unknown): MessageBody {
  if (kind === 'system' || !(kind in BODY_CLASSES)) {
    throw DomainException.invalid('Unknown message kind', [{ field: 'kind', problems: ['isIn'] }]);
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw DomainException.invalid('Message body must be an object', [{ field: 'body', problems: ['isObject'] }]);
  }
  const forbidden = findForbiddenKey(body, 'body');
  if (forbidden)
    throw DomainException.invalid('Forbidden key in message body', [{ field: forbidden, problems: ['forbidden'] }]);
  const sendable = kind as SendableKind;
  const bodyClass: new () => MessageBody = BODY_CLASSES[sendable];
  const instance = plainToInstance(bodyClass, body as object);
  const errors = validateSync(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
  });
  const problems = errors.length > 0 ? flatten(errors, 'body') : crossFieldProblems(sendable, instance);
  if (problems.length > 0) throw DomainException.invalid('Message body is not valid for its kind', problems);
  return instance;
}
