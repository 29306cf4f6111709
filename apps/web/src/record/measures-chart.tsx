import type { MeasurePoint } from '@sharedcare/client';
import { formatDate } from '../format';

export interface ChartMedicationChange {
  /** 1, 2, ...: the marker's number, also in the table of changes. */
  number: number;
  date: string;
  label: string;
}

/** How each series is drawn: a colour with AA contrast on white, and a marker shape and dash so colour is not the only cue. */
export const SERIES_STYLE = {
  'PHQ-9': { colour: '#0b5cad', dash: undefined, marker: 'circle' },
  'GAD-7': { colour: '#9a3412', dash: '6 4', marker: 'square' },
} as const;
export type ChartedInstrument = keyof typeof SERIES_STYLE;

const WIDTH = 720;
const HEIGHT = 300;
const MARGIN = { left: 44, right: 16, top: 28, bottom: 40 };
const Y_MAX = 27;
const DAY = 86_400_000;
/** A date-only value (an effective date) at midday, so it falls on its own day in any time zone. */
const time = (date: string) => Date.parse(date.length === 10 ? `${date}T12:00:00` : date);

/**
 * PHQ-9 and GAD-7 scores over time, with medication changes as numbered vertical lines. An SVG
 * (role img) with a title and a description; the tables beside it carry the same data for
 * screen readers and for reading exact values.
 */
export function MeasuresChart({
  series,
  changes,
  titleId,
}: {
  series: { instrument: ChartedInstrument; points: MeasurePoint[] }[];
  changes: ChartMedicationChange[];
  titleId: string;
}) {
  const times = [
    ...series.flatMap((line) => line.points.map((point) => time(point.observedAt))),
    ...changes.map((change) => time(change.date)),
  ];
  let start = Math.min(...times);
  let end = Math.max(...times);
  if (end - start < 2 * DAY) {
    start -= DAY;
    end += DAY;
  }
  const pad = (end - start) * 0.03;
  start -= pad;
  end += pad;
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (date: string) => MARGIN.left + ((time(date) - start) / (end - start)) * plotWidth;
  const y = (score: number) => MARGIN.top + (1 - score / Y_MAX) * plotHeight;
  const ticks = Array.from({ length: 5 }, (_, index) => new Date(start + ((end - start) * (index + 0.5)) / 5));

  const describe = series
    .map((line) => {
      const first = line.points[0];
      const last = line.points.at(-1)!;
      return `${line.instrument}: ${line.points.length} result${line.points.length === 1 ? '' : 's'}, from ${first.score} on ${formatDate(first.observedAt)} to ${last.score} on ${formatDate(last.observedAt)}`;
    })
    .join('. ');
  const descId = `${titleId}-desc`;

  return (
    <svg
      className="measures-chart"
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      role="img"
      aria-labelledby={`${titleId} ${descId}`}
    >
      <title id={titleId}>PHQ-9 and GAD-7 scores over time, with medication changes marked</title>
      <desc id={descId}>
        {describe}. {changes.length} medication change{changes.length === 1 ? '' : 's'} marked. The tables below list
        every value.
      </desc>
      {[0, 5, 10, 15, 20, 25].map((score) => (
        <g key={score}>
          <line x1={MARGIN.left} x2={WIDTH - MARGIN.right} y1={y(score)} y2={y(score)} stroke="#d0d5dc" />
          <text x={MARGIN.left - 6} y={y(score) + 4} textAnchor="end" fontSize="12" fill="#1b1f24">
            {score}
          </text>
        </g>
      ))}
      <text x={MARGIN.left} y={14} fontSize="12" fill="#1b1f24">
        Score
      </text>
      {ticks.map((tick) => (
        <text
          key={tick.getTime()}
          x={x(tick.toISOString())}
          y={HEIGHT - MARGIN.bottom + 18}
          textAnchor="middle"
          fontSize="12"
          fill="#1b1f24"
        >
          {formatDate(tick.toISOString())}
        </text>
      ))}
      {changes.map((change) => (
        <g key={change.number}>
          <line
            x1={x(change.date)}
            x2={x(change.date)}
            y1={MARGIN.top}
            y2={HEIGHT - MARGIN.bottom}
            stroke="#4a5260"
            strokeDasharray="2 3"
          />
          <circle cx={x(change.date)} cy={MARGIN.top - 8} r={9} fill="#ffffff" stroke="#4a5260" />
          <text x={x(change.date)} y={MARGIN.top - 4} textAnchor="middle" fontSize="11" fontWeight="700" fill="#1b1f24">
            {change.number}
          </text>
        </g>
      ))}
      {series.map((line) => {
        const style = SERIES_STYLE[line.instrument];
        const path = line.points.map((point) => `${x(point.observedAt)},${y(point.score)}`).join(' ');
        return (
          <g key={line.instrument}>
            <polyline points={path} fill="none" stroke={style.colour} strokeWidth={2.5} strokeDasharray={style.dash} />
            {line.points.map((point) =>
              style.marker === 'circle' ? (
                <circle
                  key={`${point.messageId}-${point.index}`}
                  cx={x(point.observedAt)}
                  cy={y(point.score)}
                  r={4.5}
                  fill={style.colour}
                />
              ) : (
                <rect
                  key={`${point.messageId}-${point.index}`}
                  x={x(point.observedAt) - 4.5}
                  y={y(point.score) - 4.5}
                  width={9}
                  height={9}
                  fill={style.colour}
                />
              ),
            )}
          </g>
        );
      })}
      <line x1={MARGIN.left} x2={MARGIN.left} y1={MARGIN.top} y2={HEIGHT - MARGIN.bottom} stroke="#4a5260" />
      <line
        x1={MARGIN.left}
        x2={WIDTH - MARGIN.right}
        y1={HEIGHT - MARGIN.bottom}
        y2={HEIGHT - MARGIN.bottom}
        stroke="#4a5260"
      />
    </svg>
  );
}
