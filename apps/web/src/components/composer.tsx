import {
  CONSENT_CATEGORIES,
  type ConsentCategory,
  INSTRUMENT_ITEMS,
  MEDICATION_ACTIONS,
  type MedicationAction,
  type MessageBodies,
  REFERRAL_REASONS,
  REFERRAL_URGENCIES,
  type ReferralDirection,
  RISK_LEVELS,
  type RiskLevel,
  type SendableKind,
} from '@sharedcare/client';
import { type FormEvent, useId, useState } from 'react';
import { useApp, useLive } from '../context';
import { humanise } from '../format';

const KINDS: { kind: SendableKind; label: string; category: ConsentCategory }[] = [
  { kind: 'note', label: 'Note', category: 'general' },
  { kind: 'symptom_update', label: 'Symptom update', category: 'symptoms' },
  { kind: 'medication_change', label: 'Medication change', category: 'medications' },
  { kind: 'referral', label: 'Referral', category: 'general' },
  { kind: 'safety_concern', label: 'Safety concern', category: 'safety_plan' },
];

/** What each item asks about, in our own words (the instruments' order). */
export const ITEM_TOPICS = {
  'PHQ-9': [
    'Interest or pleasure in doing things',
    'Feeling down, depressed or hopeless',
    'Sleep: trouble falling or staying asleep, or sleeping too much',
    'Feeling tired or having little energy',
    'Appetite: poor, or overeating',
    'Feeling bad about oneself',
    'Trouble concentrating',
    'Moving or speaking slowly, or being restless',
    'Thoughts of being better off dead or of self-harm',
  ],
  'GAD-7': [
    'Feeling nervous, anxious or on edge',
    'Not being able to stop or control worrying',
    'Worrying too much about different things',
    'Trouble relaxing',
    'Being so restless it is hard to sit still',
    'Becoming easily annoyed or irritable',
    'Feeling afraid as if something awful might happen',
  ],
} as const;
const FREQUENCY = ['Not at all (0)', 'Several days (1)', 'More than half the days (2)', 'Nearly every day (3)'];

const today = () => new Date().toISOString().slice(0, 10);
const text = (form: FormData, name: string) => String(form.get(name) ?? '').trim();
const optional = (form: FormData, name: string) => text(form, name) || undefined;

function MeasureItems({ instrument }: { instrument: 'PHQ-9' | 'GAD-7' }) {
  const [answers, setAnswers] = useState<number[]>(() => Array(INSTRUMENT_ITEMS[instrument].count).fill(0));
  const total = answers.reduce((sum, value) => sum + value, 0);
  const max = INSTRUMENT_ITEMS[instrument].count * INSTRUMENT_ITEMS[instrument].max;
  return (
    <fieldset>
      <legend>{instrument} items: over the last two weeks, how often has the client been bothered by…</legend>
      {ITEM_TOPICS[instrument].map((topic, index) => (
        <label key={topic} className="item">
          <span>
            {index + 1}. {topic}
          </span>
          <select
            name={`item-${index}`}
            value={answers[index]}
            onChange={(event) =>
              setAnswers((current) => current.map((value, i) => (i === index ? Number(event.target.value) : value)))
            }
          >
            {FREQUENCY.map((label, value) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
      ))}
      <p>
        <output name="total" aria-live="polite">
          Total {instrument} score: {total} of {max}
        </output>
      </p>
    </fieldset>
  );
}

function SymptomFields() {
  const [instrument, setInstrument] = useState<'PHQ-9' | 'GAD-7'>('PHQ-9');
  const id = useId();
  return (
    <>
      <label htmlFor={`${id}-instrument`}>Measure</label>
      <select
        id={`${id}-instrument`}
        name="instrument"
        value={instrument}
        onChange={(event) => setInstrument(event.target.value as 'PHQ-9' | 'GAD-7')}
      >
        <option value="PHQ-9">PHQ-9 (depression)</option>
        <option value="GAD-7">GAD-7 (anxiety)</option>
      </select>
      <MeasureItems key={instrument} instrument={instrument} />
      <label htmlFor={`${id}-observed`}>Observed on</label>
      <input id={`${id}-observed`} name="observedAt" type="date" defaultValue={today()} max={today()} required />
      <label htmlFor={`${id}-text`}>Comment (optional)</label>
      <textarea id={`${id}-text`} name="text" rows={2} maxLength={10_000} />
    </>
  );
}

function MedicationFields() {
  const id = useId();
  return (
    <>
      <label htmlFor={`${id}-action`}>Change</label>
      <select id={`${id}-action`} name="action" defaultValue="start">
        {MEDICATION_ACTIONS.map((action) => (
          <option key={action} value={action}>
            {humanise(action)}
          </option>
        ))}
      </select>
      <label htmlFor={`${id}-name`}>Medication</label>
      <input id={`${id}-name`} name="medication" required maxLength={200} />
      <label htmlFor={`${id}-rxnorm`}>RxNorm code (optional)</label>
      <input id={`${id}-rxnorm`} name="rxnormCode" inputMode="numeric" pattern="[0-9]{1,10}" />
      <div className="row">
        <div>
          <label htmlFor={`${id}-dose`}>Dose (optional)</label>
          <input id={`${id}-dose`} name="doseValue" type="number" min="0" step="any" />
        </div>
        <div>
          <label htmlFor={`${id}-unit`}>Unit</label>
          <select id={`${id}-unit`} name="doseUnit" defaultValue="mg">
            {['mg', 'mcg', 'g', 'mL', 'units'].map((unit) => (
              <option key={unit}>{unit}</option>
            ))}
          </select>
        </div>
      </div>
      <label htmlFor={`${id}-frequency`}>Frequency (optional)</label>
      <input id={`${id}-frequency`} name="frequency" placeholder="once daily" maxLength={200} />
      <label htmlFor={`${id}-route`}>Route (optional)</label>
      <input id={`${id}-route`} name="route" placeholder="oral" maxLength={100} />
      <label htmlFor={`${id}-effective`}>Effective from</label>
      <input id={`${id}-effective`} name="effectiveDate" type="date" defaultValue={today()} required />
      <label htmlFor={`${id}-reason`}>Reason</label>
      <textarea id={`${id}-reason`} name="reason" rows={2} required maxLength={10_000} />
      <label htmlFor={`${id}-monitoring`}>Monitoring (optional)</label>
      <input id={`${id}-monitoring`} name="monitoring" maxLength={2_000} />
    </>
  );
}

function ReferralFields() {
  const { me } = useApp();
  const [direction, setDirection] = useState<ReferralDirection>(
    me.role === 'psychiatrist' ? 'to_therapy' : 'to_psychiatry',
  );
  const id = useId();
  return (
    <>
      <label htmlFor={`${id}-direction`}>Refer to</label>
      <select
        id={`${id}-direction`}
        name="direction"
        value={direction}
        onChange={(event) => setDirection(event.target.value as ReferralDirection)}
      >
        <option value="to_psychiatry">Psychiatry</option>
        <option value="to_therapy">Therapy</option>
      </select>
      <fieldset>
        <legend>Reasons (at least one)</legend>
        {REFERRAL_REASONS[direction].map((reason) => (
          <label key={reason} className="choice">
            <input type="checkbox" name="reasons" value={reason} />
            {humanise(reason)}
          </label>
        ))}
      </fieldset>
      <label htmlFor={`${id}-urgency`}>Urgency</label>
      <select id={`${id}-urgency`} name="urgency" defaultValue="routine">
        {REFERRAL_URGENCIES.map((urgency) => (
          <option key={urgency} value={urgency}>
            {humanise(urgency)}
          </option>
        ))}
      </select>
      <label htmlFor={`${id}-notes`}>Notes (optional)</label>
      <textarea id={`${id}-notes`} name="notes" rows={2} maxLength={10_000} />
    </>
  );
}

function SafetyConcernFields() {
  const id = useId();
  return (
    <>
      <fieldset>
        <legend>Risk level</legend>
        {RISK_LEVELS.map((level) => (
          <label key={level} className="choice">
            <input type="radio" name="riskLevel" value={level} required defaultChecked={level === 'low'} />
            {humanise(level)}
          </label>
        ))}
      </fieldset>
      <label htmlFor={`${id}-summary`}>Summary</label>
      <textarea id={`${id}-summary`} name="summary" rows={2} required maxLength={10_000} />
      <label htmlFor={`${id}-actions`}>Actions taken</label>
      <textarea id={`${id}-actions`} name="actionsTaken" rows={2} required maxLength={10_000} />
    </>
  );
}

/** The body of `kind` from its form; null (with a reason) when the form is not complete. */
function bodyOf(kind: SendableKind, form: FormData): MessageBodies[SendableKind] | string {
  switch (kind) {
    case 'note':
      return text(form, 'text') ? { text: text(form, 'text') } : 'Write the note first.';
    case 'symptom_update': {
      const instrument = text(form, 'instrument') as 'PHQ-9' | 'GAD-7';
      const items = Array.from({ length: INSTRUMENT_ITEMS[instrument].count }, (_, i) => Number(form.get(`item-${i}`)));
      const score = items.reduce((sum, value) => sum + value, 0);
      const observedAt = new Date(`${text(form, 'observedAt')}T12:00:00`).toISOString();
      return { text: optional(form, 'text'), measures: [{ instrument, items, score, observedAt }] };
    }
    case 'medication_change': {
      const dose = text(form, 'doseValue');
      return {
        action: text(form, 'action') as MedicationAction,
        medication: { name: text(form, 'medication'), rxnormCode: optional(form, 'rxnormCode') },
        dose: dose ? { value: Number(dose), unit: text(form, 'doseUnit') } : undefined,
        frequency: optional(form, 'frequency'),
        route: optional(form, 'route'),
        effectiveDate: text(form, 'effectiveDate'),
        reason: text(form, 'reason'),
        monitoring: optional(form, 'monitoring'),
      };
    }
    case 'referral': {
      const reasons = form.getAll('reasons').map(String);
      if (reasons.length === 0) return 'Choose at least one reason for the referral.';
      return {
        direction: text(form, 'direction') as ReferralDirection,
        reasons,
        urgency: text(form, 'urgency') as 'routine' | 'soon' | 'urgent',
        notes: optional(form, 'notes'),
      };
    }
    case 'safety_concern':
      return {
        riskLevel: text(form, 'riskLevel') as RiskLevel,
        summary: text(form, 'summary'),
        actionsTaken: text(form, 'actionsTaken'),
      };
  }
}

/** Drops the optional fields left empty (the service refuses unknown or empty values). */
function withoutUndefined<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** A form per message kind; what it sends joins the outbox until the service stores it. */
export function Composer({ threadId }: { threadId: string }) {
  const live = useLive();
  const [kind, setKind] = useState<SendableKind>('note');
  const [category, setCategory] = useState<ConsentCategory>('general');
  const [problem, setProblem] = useState<string>();
  const [round, setRound] = useState(0);
  const id = useId();

  function choose(next: SendableKind) {
    setKind(next);
    setCategory(KINDS.find((entry) => entry.kind === next)?.category ?? 'general');
    setProblem(undefined);
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const body = bodyOf(kind, new FormData(event.currentTarget));
    if (typeof body === 'string') {
      setProblem(body);
      return;
    }
    setProblem(undefined);
    live.send(threadId, kind, category, withoutUndefined(body));
    setRound((r) => r + 1);
  }

  return (
    <form
      className="composer card"
      onSubmit={submit}
      onInput={() => live.typing(threadId)}
      aria-labelledby={`${id}-title`}
    >
      <h3 id={`${id}-title`}>New message</h3>
      <fieldset className="kinds">
        <legend>Kind</legend>
        {KINDS.map((entry) => (
          <label key={entry.kind} className="choice">
            <input
              type="radio"
              name="kind"
              value={entry.kind}
              checked={kind === entry.kind}
              onChange={() => choose(entry.kind)}
            />
            {entry.label}
          </label>
        ))}
      </fieldset>
      <div key={`${kind}-${round}`} className="kind-fields">
        {kind === 'note' && (
          <>
            <label htmlFor={`${id}-note`}>Your note</label>
            <textarea id={`${id}-note`} name="text" rows={3} required maxLength={10_000} />
          </>
        )}
        {kind === 'symptom_update' && <SymptomFields />}
        {kind === 'medication_change' && <MedicationFields />}
        {kind === 'referral' && <ReferralFields />}
        {kind === 'safety_concern' && <SafetyConcernFields />}
      </div>
      <label htmlFor={`${id}-category`}>Consent category it discloses</label>
      <select
        id={`${id}-category`}
        value={category}
        onChange={(event) => setCategory(event.target.value as ConsentCategory)}
      >
        {CONSENT_CATEGORIES.map((value) => (
          <option key={value} value={value}>
            {humanise(value)}
          </option>
        ))}
      </select>
      {problem && (
        <p role="alert" className="error">
          {problem}
        </p>
      )}
      <button type="submit" className="primary">
        Send {KINDS.find((entry) => entry.kind === kind)?.label.toLowerCase()}
      </button>
    </form>
  );
}
