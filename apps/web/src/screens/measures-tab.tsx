import type { MedicationChange, MedicationList } from '@sharedcare/client';
import type { ClientTabProps } from '../client-tabs';
import { useApp, useLoad, useProviderName } from '../context';
import { formatDate } from '../format';
import {
  type ChartedInstrument,
  type ChartMedicationChange,
  MeasuresChart,
  SERIES_STYLE,
} from '../record/measures-chart';

/** A date-only value (an effective date) is a calendar day: shown as that day in any time zone. */
const day = (date: string) => formatDate(date.length === 10 ? `${date}T12:00:00` : date);

const CHARTED: ChartedInstrument[] = ['PHQ-9', 'GAD-7'];

const RESPONSE_TEXT: Record<string, string> = {
  too_early: 'too early to judge (before week 10)',
  awaiting_measure: 'in the week 10–12 window, awaiting a PHQ-9',
  response: 'response (half the baseline or less)',
  remission: 'remission (below 5)',
  not_improving: 'not improving',
  missed: 'no PHQ-9 in the week 10–12 window',
};

function describeChange(name: string, change: MedicationChange): string {
  const dose = change.dose ? ` ${change.dose.value} ${change.dose.unit}` : '';
  const frequency = change.frequency ? `, ${change.frequency}` : '';
  return `${change.action.charAt(0).toUpperCase()}${change.action.slice(1)} ${name}${dose}${frequency}`;
}

/** Every medication change, in date order, numbered for the chart's markers. */
function medicationChanges(list: MedicationList): (ChartMedicationChange & { change: MedicationChange })[] {
  return list.medications
    .flatMap((medication) =>
      medication.history.map((change) => ({ change, label: describeChange(medication.name, change) })),
    )
    .sort((a, b) => a.change.effectiveDate.localeCompare(b.change.effectiveDate))
    .map((entry, index) => ({ ...entry, number: index + 1, date: entry.change.effectiveDate }));
}

/** PHQ-9 and GAD-7 over time with medication changes marked, and the same as tables. */
export function MeasuresTab({ client }: ClientTabProps) {
  const { api } = useApp();
  const name = useProviderName();
  const [measures] = useLoad(() => api.measures(client.clientId), [api, client.clientId]);
  const [medications] = useLoad(() => api.medications(client.clientId), [api, client.clientId]);

  if (measures.status === 'loading' || medications.status === 'loading') return <p role="status">Loading…</p>;
  if (measures.status === 'failed') return <p role="alert">Could not load the measures: {measures.error}</p>;
  const series = CHARTED.map((instrument) => ({
    instrument,
    points: measures.value.series.find((line) => line.instrument === instrument)?.points ?? [],
  })).filter((line) => line.points.length > 0);
  const changes = medications.status === 'ready' ? medicationChanges(medications.value) : [];
  const points = series.flatMap((line) => line.points).sort((a, b) => a.observedAt.localeCompare(b.observedAt));
  const phq9 = measures.value.phq9;
  const notice =
    measures.value.redisclosureNotice ??
    (medications.status === 'ready' ? medications.value.redisclosureNotice : undefined);

  return (
    <div className="measures">
      <h2>Measures</h2>
      {notice && <p className="badge warning">{notice}</p>}
      {phq9 && (
        <p>
          PHQ-9 baseline {phq9.baseline.score} on {formatDate(phq9.baseline.observedAt)}, latest {phq9.latest.score} on{' '}
          {formatDate(phq9.latest.observedAt)}: {RESPONSE_TEXT[phq9.response] ?? phq9.response}.
          {phq9.flags.severe && <span className="badge danger"> Severe (20 or more)</span>}
          {phq9.flags.safety && <span className="badge danger"> Item 9 above 0: ask about safety</span>}
        </p>
      )}
      {medications.status === 'failed' && (
        <p className="muted">Medication changes are not shown: {medications.error}</p>
      )}
      {series.length === 0 ? (
        <p>No PHQ-9 or GAD-7 results yet.</p>
      ) : (
        <figure className="card chart">
          <MeasuresChart series={series} changes={changes} titleId="measures-chart-title" />
          <figcaption>
            <ul className="legend">
              {series.map((line) => (
                <li key={line.instrument}>
                  <svg width="34" height="12" aria-hidden="true" focusable="false">
                    <line
                      x1="1"
                      x2="33"
                      y1="6"
                      y2="6"
                      stroke={SERIES_STYLE[line.instrument].colour}
                      strokeWidth="2.5"
                      strokeDasharray={SERIES_STYLE[line.instrument].dash}
                    />
                  </svg>{' '}
                  {line.instrument} (0–{line.instrument === 'PHQ-9' ? 27 : 21})
                </li>
              ))}
              {changes.length > 0 && <li>Numbered dotted lines: medication changes, listed below</li>}
            </ul>
          </figcaption>
        </figure>
      )}
      {points.length > 0 && (
        <table className="record-table">
          <caption>PHQ-9 and GAD-7 results</caption>
          <thead>
            <tr>
              <th scope="col">Observed</th>
              <th scope="col">Instrument</th>
              <th scope="col">Score</th>
              <th scope="col">Flags</th>
              <th scope="col">Recorded by</th>
            </tr>
          </thead>
          <tbody>
            {points.map((point) => (
              <tr key={`${point.messageId}-${point.index}`}>
                <td>{formatDate(point.observedAt)}</td>
                <td>{point.instrument}</td>
                <td>{point.score}</td>
                <td>{point.flags.map((flag) => (flag === 'severe' ? 'Severe' : 'Item 9 above 0')).join(', ')}</td>
                <td>{name(point.recordedBy)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {changes.length > 0 && (
        <table className="record-table">
          <caption>Medication changes</caption>
          <thead>
            <tr>
              <th scope="col">Marker</th>
              <th scope="col">Effective</th>
              <th scope="col">Change</th>
              <th scope="col">Reason</th>
              <th scope="col">By</th>
            </tr>
          </thead>
          <tbody>
            {changes.map((entry) => (
              <tr key={entry.change.messageId}>
                <td>{entry.number}</td>
                <td>{day(entry.date)}</td>
                <td>{entry.label}</td>
                <td>{entry.change.reason}</td>
                <td>{name(entry.change.changedBy)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
