import type { Instrument, MeasureBody, MessageState } from '@sharedcare/consult';

/** A `symptom_update` message as the series are derived from: any state, its measures opened. */
export interface SymptomUpdateRecord {
  messageId: string;
  threadId: string;
  senderId: string;
  recordedAt: Date;
  category: string;
  state: MessageState;
  amendsMessageId: string | null;
  measures: readonly MeasureBody[];
}

export interface MeasurePoint {
  /** The message the result was posted in, and its place among that message's measures. */
  messageId: string;
  index: number;
  threadId: string;
  instrument: Instrument;
  score: number;
  items: number[] | null;
  observedAt: string;
  recordedBy: string;
  recordedAt: Date;
  category: string;
  /** Posted in an amendment of the message first posted. */
  amended: boolean;
  /** PHQ-9 only: `severe` (score 20 or more), `safety` (item 9, thoughts of self-harm, above 0). */
  flags: MeasureFlag[];
}

export type MeasureFlag = 'severe' | 'safety';

/**
 * Whether PHQ-9 has responded to treatment (collaborative care): `too_early` before week 10 after
 * the baseline; `awaiting_measure` inside weeks 10–12 with no PHQ-9 yet; `response` (fallen by at
 * least half), `remission` (below 5) or `not_improving` (neither) on the latest PHQ-9 of weeks
 * 10–12; `missed` when week 12 has passed with none in the window.
 */
export type Phq9Response = 'too_early' | 'awaiting_measure' | 'response' | 'remission' | 'not_improving' | 'missed';

export interface Phq9Summary {
  baseline: MeasurePoint;
  latest: MeasurePoint;
  /** The window the response is judged in: baseline + 10 weeks to baseline + 12 weeks, both included. */
  windowStart: string;
  windowEnd: string;
  response: Phq9Response;
  /** The PHQ-9 the response was judged on (the latest inside the window), if any. */
  evaluated: MeasurePoint | null;
  /** The flags a care manager acts on, from the latest PHQ-9 and the response. */
  flags: { severe: boolean; safety: boolean | null; notImproving: boolean };
}

export interface MeasureSeries {
  instrument: Instrument;
  points: MeasurePoint[];
}

export interface ClientMeasures {
  series: MeasureSeries[];
  phq9: Phq9Summary | null;
}

const WEEK = 7 * 24 * 3_600_000;
export const PHQ9_WINDOW_WEEKS = { from: 10, to: 12 } as const;
const PHQ9_SEVERE = 20;
const PHQ9_REMISSION_BELOW = 5;
/** PHQ-9 item 9 (thoughts that one would be better off dead, or of self-harm), zero-based. */
const PHQ9_SAFETY_ITEM = 8;

const INSTRUMENT_ORDER: readonly Instrument[] = ['PHQ-9', 'GAD-7', 'C-SSRS'];

function pointFlags(instrument: Instrument, score: number, items: readonly number[] | undefined): MeasureFlag[] {
  if (instrument !== 'PHQ-9') return [];
  const flags: MeasureFlag[] = [];
  if (score >= PHQ9_SEVERE) flags.push('severe');
  if ((items?.[PHQ9_SAFETY_ITEM] ?? 0) > 0) flags.push('safety');
  return flags;
}

const time = (point: MeasurePoint) => Date.parse(point.observedAt);

/**
 * Time series of screener results per instrument, by when they were observed (issue 5), from the
 * symptom updates given (the caller passes only what the reader may see). Only a message's
 * current version counts: an entered-in-error update contributes nothing, an amended one only
 * through its amendment (marked `amended`). `now` (the service clock) decides where the PHQ-9
 * response window stands.
 */
export function deriveMeasures(records: readonly SymptomUpdateRecord[], now: Date): ClientMeasures {
  const points = records
    .filter((record) => record.state === 'current')
    .flatMap((record) =>
      record.measures.map((measure, index): MeasurePoint => ({
        messageId: record.messageId,
        index,
        threadId: record.threadId,
        instrument: measure.instrument,
        score: measure.score,
        items: measure.items ? [...measure.items] : null,
        observedAt: measure.observedAt,
        recordedBy: record.senderId,
        recordedAt: record.recordedAt,
        category: record.category,
        amended: record.amendsMessageId !== null,
        flags: pointFlags(measure.instrument, measure.score, measure.items),
      })),
    )
    .sort(
      (a, b) =>
        time(a) - time(b) ||
        a.recordedAt.getTime() - b.recordedAt.getTime() ||
        (a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : a.index - b.index),
    );
  const series = INSTRUMENT_ORDER.map((instrument) => ({
    instrument,
    points: points.filter((point) => point.instrument === instrument),
  })).filter((one) => one.points.length > 0);
  return {
    series,
    phq9: phq9Summary(
      points.filter((point) => point.instrument === 'PHQ-9'),
      now,
    ),
  };
}

/** PHQ-9 against its baseline, the first PHQ-9 observed (a new episode of care is not modelled). */
export function phq9Summary(points: readonly MeasurePoint[], now: Date): Phq9Summary | null {
  if (points.length === 0) return null;
  const baseline = points[0];
  const latest = points[points.length - 1];
  const start = time(baseline) + PHQ9_WINDOW_WEEKS.from * WEEK;
  const end = time(baseline) + PHQ9_WINDOW_WEEKS.to * WEEK;
  const evaluated = points.filter((point) => time(point) >= start && time(point) <= end).at(-1) ?? null;
  let response: Phq9Response;
  if (evaluated) {
    if (evaluated.score < PHQ9_REMISSION_BELOW) response = 'remission';
    else if (evaluated.score * 2 <= baseline.score) response = 'response';
    else response = 'not_improving';
  } else if (now.getTime() < start) response = 'too_early';
  else if (now.getTime() <= end) response = 'awaiting_measure';
  else response = 'missed';
  return {
    baseline,
    latest,
    windowStart: new Date(start).toISOString(),
    windowEnd: new Date(end).toISOString(),
    response,
    evaluated,
    flags: {
      severe: latest.score >= PHQ9_SEVERE,
      safety: latest.items === null ? null : latest.items[PHQ9_SAFETY_ITEM] > 0,
      notImproving: response === 'not_improving',
    },
  };
}
