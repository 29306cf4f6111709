import { DomainException } from '@sharedcare/common';
import { parseMessageBody } from './message-bodies.js';

function problemsOf(kind: Parameters<typeof parseMessageBody>[0], body: unknown): unknown {
  try {
    parseMessageBody(kind, body);
  } catch (error) {
    expect(error).toBeInstanceOf(DomainException);
    expect((error as DomainException).code).toBe('invalid');
    return (error as DomainException).details;
  }
  throw new Error('expected the body to be refused');
}

const observedAt = '2026-11-20T10:00:00Z';
const phq9 = (items: number[], score: number) => ({ instrument: 'PHQ-9', items, score, observedAt });

describe('parseMessageBody', () => {
  it('accepts each kind’s body as DESIGN.md gives it', () => {
    expect(parseMessageBody('note', { text: 'Slept better this week.' })).toEqual({ text: 'Slept better this week.' });
    expect(
      parseMessageBody('symptom_update', { measures: [phq9([1, 1, 2, 0, 1, 1, 0, 1, 0], 7)], text: 'Improving' }),
    ).toMatchObject({ measures: [{ instrument: 'PHQ-9', score: 7 }] });
    expect(
      parseMessageBody('symptom_update', {
        measures: [{ instrument: 'GAD-7', items: [3, 3, 3, 3, 3, 3, 3], score: 21, observedAt }],
      }),
    ).toMatchObject({ measures: [{ score: 21 }] });
    expect(
      parseMessageBody('medication_change', {
        action: 'start',
        medication: { name: 'sertraline', rxnormCode: '36437' },
        dose: { value: 50, unit: 'mg' },
        frequency: 'once daily',
        route: 'oral',
        effectiveDate: '2026-11-28',
        reason: 'Persistent depressive symptoms',
        acknowledgeBy: '2026-11-29T09:00:00Z',
      }),
    ).toMatchObject({ action: 'start', dose: { value: 50, unit: 'mg' } });
    expect(
      parseMessageBody('referral', {
        direction: 'to_psychiatry',
        reasons: ['formal_diagnosis_needed', 'client_requests_medication'],
        urgency: 'soon',
      }),
    ).toMatchObject({ direction: 'to_psychiatry' });
    expect(
      parseMessageBody('referral', {
        referralMessageId: '6f1c1d2e-0b7a-4a53-9a57-8c0a3c1f2b44',
        status: 'declined',
        reason: 'Not accepting new clients',
      }),
    ).toMatchObject({ status: 'declined' });
    expect(
      parseMessageBody('safety_concern', {
        riskLevel: 'imminent',
        summary: 'Stated a plan',
        actionsTaken: 'Called 988',
      }),
    ).toMatchObject({ riskLevel: 'imminent' });
  });

  it('refuses item answers out of range, the wrong number of items, and a score that is not their sum', () => {
    expect(problemsOf('symptom_update', { measures: [phq9([1, 1, 1, 1, 1, 1, 1, 1, 1], 10)] })).toEqual([
      { field: 'body.measures.0.score', problems: ['itemsSum'] },
    ]);
    expect(problemsOf('symptom_update', { measures: [phq9([1, 1, 1], 3)] })).toEqual([
      { field: 'body.measures.0.items', problems: ['itemCount'] },
    ]);
    expect(problemsOf('symptom_update', { measures: [phq9([4, 0, 0, 0, 0, 0, 0, 0, 0], 4)] })).toEqual([
      { field: 'body.measures.0.items', problems: ['max'] },
    ]);
    expect(problemsOf('symptom_update', { measures: [{ instrument: 'GAD-7', score: 22, observedAt }] })).toEqual([
      { field: 'body.measures.0.score', problems: ['range'] },
    ]);
    expect(
      problemsOf('symptom_update', {
        measures: [{ instrument: 'C-SSRS', items: [1, 2, 0, 0, 0, 0], score: 3, observedAt }],
      }),
    ).toEqual([{ field: 'body.measures.0.items', problems: ['range'] }]);
    expect(problemsOf('symptom_update', {})).toEqual([{ field: 'body', problems: ['textOrMeasures'] }]);
  });

  it('refuses unknown fields, prototype keys, and values outside their lists', () => {
    expect(problemsOf('note', { text: 'x', authorId: 'someone' })).toEqual([
      { field: 'body.authorId', problems: ['whitelistValidation'] },
    ]);
    expect(problemsOf('note', JSON.parse('{"text":"x","__proto__":{"admin":true}}'))).toEqual([
      { field: 'body.__proto__', problems: ['forbidden'] },
    ]);
    expect(
      problemsOf('medication_change', JSON.parse('{"medication":{"name":"x","constructor":{"prototype":1}}}')),
    ).toEqual([{ field: 'body.medication.constructor', problems: ['forbidden'] }]);
    expect(
      problemsOf('medication_change', {
        action: 'double',
        medication: { name: 'sertraline' },
        effectiveDate: '2026-11-28',
        reason: 'x',
      }),
    ).toEqual([{ field: 'body.action', problems: ['isIn'] }]);
    expect(problemsOf('safety_concern', { riskLevel: 'extreme', summary: 'x', actionsTaken: 'y' })).toEqual([
      { field: 'body.riskLevel', problems: ['isIn'] },
    ]);
    expect(problemsOf('note', 'just text')).toEqual([{ field: 'body', problems: ['isObject'] }]);
    expect(problemsOf('system', { text: 'x' })).toEqual([{ field: 'kind', problems: ['isIn'] }]);
  });

  it('takes referral reasons only from the taxonomy of the referral’s direction', () => {
    expect(
      problemsOf('referral', { direction: 'to_psychiatry', reasons: ['trauma_processing'], urgency: 'routine' }),
    ).toEqual([{ field: 'body.reasons.0', problems: ['direction'] }]);
    expect(problemsOf('referral', { direction: 'to_therapy', reasons: ['made_up'], urgency: 'routine' })).toEqual([
      { field: 'body.reasons', problems: ['isIn'] },
    ]);
    expect(problemsOf('referral', { direction: 'to_therapy', urgency: 'routine' })).toEqual([
      { field: 'body.reasons', problems: ['required'] },
    ]);
    expect(
      problemsOf('referral', { referralMessageId: '6f1c1d2e-0b7a-4a53-9a57-8c0a3c1f2b44', status: 'declined' }),
    ).toEqual([{ field: 'body.reason', problems: ['required'] }]);
    expect(
      problemsOf('referral', {
        direction: 'to_therapy',
        reasons: ['skill_building'],
        urgency: 'routine',
        status: 'accepted',
      }),
    ).toEqual([{ field: 'body', problems: ['referralOrFollowUp'] }]);
  });
});
