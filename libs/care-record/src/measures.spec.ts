import type { MeasureBody } from '@sharedcare/consult';
import { deriveMeasures, type SymptomUpdateRecord } from './measures.js';

const WEEK = 7 * 86_400_000;
const baselineAt = new Date('2026-01-05T10:00:00Z');
const week = (weeks: number) => new Date(baselineAt.getTime() + weeks * WEEK);
let sequence = 0;

function update(measures: MeasureBody[], extra: Partial<SymptomUpdateRecord> = {}): SymptomUpdateRecord {
  sequence += 1;
  return {
    messageId: `m${String(sequence).padStart(3, '0')}`,
    threadId: 't1',
    senderId: 'therapist',
    recordedAt: new Date(Date.parse(measures[0]?.observedAt ?? baselineAt.toISOString()) + 60_000),
    category: 'symptoms',
    state: 'current',
    amendsMessageId: null,
    measures,
    ...extra,
  };
}
const phq9 = (score: number, at: Date, items?: number[]): MeasureBody => ({
  instrument: 'PHQ-9',
  score,
  observedAt: at.toISOString(),
  ...(items ? { items } : {}),
});

describe('deriveMeasures', () => {
  beforeEach(() => {
    sequence = 0;
  });

  it('makes a series per instrument, ordered by observedAt, whatever order they were posted in', () => {
    const measures = deriveMeasures(
      [
        update([phq9(14, week(4)), { instrument: 'GAD-7', score: 9, observedAt: week(4).toISOString() }]),
        update([phq9(18, week(0)), { instrument: 'C-SSRS', score: 0, observedAt: week(0).toISOString() }]),
      ],
      week(5),
    );
    expect(measures.series.map((series) => [series.instrument, series.points.map((point) => point.score)])).toEqual([
      ['PHQ-9', [18, 14]],
      ['GAD-7', [9]],
      ['C-SSRS', [0]],
    ]);
    expect(measures.phq9).toMatchObject({ baseline: { score: 18 }, latest: { score: 14 }, response: 'too_early' });
  });

  it('flags a PHQ-9 of 20 or more as severe, and item 9 above 0 as a safety concern', () => {
    const items = [3, 3, 3, 3, 2, 2, 2, 1, 1];
    const { series, phq9: summary } = deriveMeasures([update([phq9(20, week(0), items)])], week(1));
    expect(series[0].points[0].flags).toEqual(['severe', 'safety']);
    expect(summary?.flags).toEqual({ severe: true, safety: true, notImproving: false });
    const calmer = deriveMeasures([update([phq9(19, week(0), [3, 3, 3, 3, 2, 2, 2, 1, 0])])], week(1));
    expect(calmer.series[0].points[0].flags).toEqual([]);
    expect(calmer.phq9?.flags).toEqual({ severe: false, safety: false, notImproving: false });
    // Without item answers, item 9 is unknown.
    expect(deriveMeasures([update([phq9(12, week(0))])], week(1)).phq9?.flags.safety).toBeNull();
  });

  it('judges PHQ-9 response on the latest score of weeks 10 to 12 after the baseline', () => {
    const baseline = update([phq9(18, week(0))]);
    const at = (score: number, weeks: number, now = week(12)) =>
      deriveMeasures([baseline, update([phq9(score, week(weeks))])], now).phq9;
    expect(at(10, 10)).toMatchObject({
      response: 'not_improving',
      evaluated: { score: 10 },
      flags: { notImproving: true },
    });
    expect(at(9, 11)).toMatchObject({ response: 'response', flags: { notImproving: false } });
    expect(at(4, 12)).toMatchObject({ response: 'remission' });
    // Week 9 is before the window and week 13 after it: neither is judged.
    expect(at(16, 9, week(9.5))).toMatchObject({ response: 'too_early', evaluated: null });
    expect(at(16, 9, week(11))).toMatchObject({ response: 'awaiting_measure', evaluated: null });
    expect(at(16, 13, week(13))).toMatchObject({ response: 'missed', evaluated: null, latest: { score: 16 } });
    expect(at(16, 9)).toMatchObject({
      windowStart: week(10).toISOString(),
      windowEnd: week(12).toISOString(),
    });
  });

  it('uses the latest PHQ-9 inside the window when there are several', () => {
    const summary = deriveMeasures(
      [update([phq9(20, week(0))]), update([phq9(8, week(10))]), update([phq9(15, week(11.5))])],
      week(12),
    ).phq9;
    expect(summary).toMatchObject({ response: 'not_improving', evaluated: { score: 15 }, flags: { severe: false } });
  });

  it('leaves out what was entered in error, and counts an amendment in place of what it amends', () => {
    const wrong = update([phq9(27, week(0))], { state: 'entered_in_error' });
    const original = update([phq9(22, week(1))], { state: 'amended' });
    const amendment = update([phq9(12, week(1))], { amendsMessageId: original.messageId });
    const { series, phq9: summary } = deriveMeasures([wrong, original, amendment], week(2));
    expect(series).toEqual([
      {
        instrument: 'PHQ-9',
        points: [expect.objectContaining({ messageId: amendment.messageId, score: 12, amended: true })],
      },
    ]);
    expect(summary?.baseline.score).toBe(12);
  });

  it('has no PHQ-9 summary without a PHQ-9, and no series without results', () => {
    expect(deriveMeasures([], week(0))).toEqual({ series: [], phq9: null });
    const gad = deriveMeasures(
      [update([{ instrument: 'GAD-7', score: 5, observedAt: week(0).toISOString() }])],
      week(1),
    );
    expect(gad.phq9).toBeNull();
    expect(gad.series[0].points[0].flags).toEqual([]);
  });
});
