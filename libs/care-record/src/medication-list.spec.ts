import type { MedicationChangeBody } from '@sharedcare/consult';
import { deriveMedicationList, type MedicationChangeRecord, normaliseMedicationName } from './medication-list.js';

let sequence = 0;
const at = (day: number) => new Date(Date.UTC(2026, 0, day, 9));
function change(
  body: Partial<MedicationChangeBody> & Pick<MedicationChangeBody, 'action' | 'medication'>,
  extra: Partial<MedicationChangeRecord> = {},
): MedicationChangeRecord {
  sequence += 1;
  return {
    messageId: `m${String(sequence).padStart(3, '0')}`,
    threadId: 't1',
    senderId: 'psychiatrist',
    recordedAt: at(sequence),
    category: 'medications',
    state: 'current',
    amendsMessageId: null,
    ...extra,
    body: { effectiveDate: '2026-01-06', reason: 'Plan agreed with the client', ...body } as MedicationChangeBody,
  };
}
const sertraline = { name: 'Sertraline', rxnormCode: '36437' };

describe('deriveMedicationList', () => {
  beforeEach(() => {
    sequence = 0;
  });

  it('follows a medication through start, increase, hold and stop, keeping its history in order', () => {
    const records = [
      change({
        action: 'start',
        medication: sertraline,
        dose: { value: 50, unit: 'mg' },
        frequency: 'once daily',
        route: 'oral',
        effectiveDate: '2026-01-06',
      }),
      change({
        action: 'increase',
        medication: sertraline,
        dose: { value: 100, unit: 'mg' },
        effectiveDate: '2026-02-03',
      }),
    ];
    const [active] = deriveMedicationList(records);
    expect(active).toMatchObject({
      name: 'Sertraline',
      rxnormCode: '36437',
      status: 'active',
      dose: { value: 100, unit: 'mg' },
      frequency: 'once daily',
      route: 'oral',
      statusSince: '2026-01-06',
      lastChange: { action: 'increase', effectiveDate: '2026-02-03', changedBy: 'psychiatrist', messageId: 'm002' },
    });
    expect(active.history.map((entry) => entry.action)).toEqual(['start', 'increase']);

    const held = deriveMedicationList([
      ...records,
      change({ action: 'hold', medication: sertraline, effectiveDate: '2026-02-10' }),
    ]);
    expect(held[0]).toMatchObject({ status: 'on_hold', statusSince: '2026-02-10', dose: { value: 100, unit: 'mg' } });
    const stopped = deriveMedicationList([
      ...records,
      change({ action: 'stop', medication: sertraline, effectiveDate: '2026-02-12' }),
    ]);
    expect(stopped[0]).toMatchObject({ status: 'stopped', statusSince: '2026-02-12' });
  });

  it('orders by effective date, not by when a change was posted', () => {
    const late = change({ action: 'stop', medication: sertraline, effectiveDate: '2026-03-01' });
    const early = change({
      action: 'start',
      medication: sertraline,
      dose: { value: 50, unit: 'mg' },
      effectiveDate: '2026-01-06',
    });
    const [entry] = deriveMedicationList([late, early]);
    expect(entry.history.map((one) => one.action)).toEqual(['start', 'stop']);
    expect(entry.status).toBe('stopped');
  });

  it('matches by RxNorm code, else by normalised name; a code joins the same name without one', () => {
    expect(normaliseMedicationName('  Sertraline   HCl ')).toBe('sertraline hcl');
    const list = deriveMedicationList([
      change({ action: 'start', medication: { name: 'sertraline' }, dose: { value: 25, unit: 'mg' } }),
      change({
        action: 'increase',
        medication: { name: 'Zoloft', rxnormCode: '36437' },
        dose: { value: 50, unit: 'mg' },
      }),
      change({ action: 'increase', medication: { name: 'SERTRALINE ' }, dose: { value: 75, unit: 'mg' } }),
      change({ action: 'start', medication: { name: 'Zoloft' }, dose: { value: 10, unit: 'mg' } }),
    ]);
    expect(
      list.map((entry) => ({
        name: entry.name,
        code: entry.rxnormCode,
        dose: entry.dose?.value,
        changes: entry.history.length,
      })),
    ).toEqual([
      { name: 'SERTRALINE', code: null, dose: 75, changes: 2 },
      { name: 'Zoloft', code: '36437', dose: 10, changes: 2 },
    ]);
  });

  it('lets a coded change adopt the uncoded medication of its name, and keeps two codes under one name apart', () => {
    const list = deriveMedicationList([
      change({ action: 'start', medication: { name: 'Lithium carbonate' }, dose: { value: 300, unit: 'mg' } }),
      change({
        action: 'increase',
        medication: { name: 'lithium carbonate', rxnormCode: '42351' },
        dose: { value: 600, unit: 'mg' },
      }),
      change({
        action: 'start',
        medication: { name: 'Lithium carbonate', rxnormCode: '197889' },
        dose: { value: 450, unit: 'mg' },
      }),
    ]);
    expect(list.map((entry) => [entry.rxnormCode, entry.dose?.value, entry.history.length])).toEqual([
      ['42351', 600, 2],
      ['197889', 450, 1],
    ]);
  });

  it('does not count a change entered in error, nor an amendment entered in error', () => {
    const wrong = change({ action: 'start', medication: { name: 'bupropion' } }, { state: 'entered_in_error' });
    const amended = change({ action: 'start', medication: { name: 'mirtazapine' } }, { state: 'amended' });
    const withdrawn = change(
      { action: 'start', medication: { name: 'mirtazapine' } },
      { state: 'entered_in_error', amendsMessageId: amended.messageId },
    );
    expect(deriveMedicationList([wrong, amended, withdrawn])).toEqual([]);
  });

  it('counts an amended change as its amendment, marked amended, in the original’s place in time', () => {
    const original = change(
      {
        action: 'start',
        medication: { name: 'mirtazapine' },
        dose: { value: 15, unit: 'mg' },
        effectiveDate: '2026-01-06',
      },
      { state: 'amended' },
    );
    const next = change({
      action: 'increase',
      medication: { name: 'mirtazapine' },
      dose: { value: 30, unit: 'mg' },
      effectiveDate: '2026-01-06',
    });
    const amendment = change(
      {
        action: 'start',
        medication: { name: 'mirtazapine' },
        dose: { value: 7.5, unit: 'mg' },
        effectiveDate: '2026-01-06',
      },
      { amendsMessageId: original.messageId },
    );
    const [entry] = deriveMedicationList([original, next, amendment]);
    expect(
      entry.history.map((one) => [one.action, one.dose?.value, one.amended, one.originalMessageId, one.messageId]),
    ).toEqual([
      ['start', 7.5, true, original.messageId, amendment.messageId],
      ['increase', 30, false, next.messageId, next.messageId],
    ]);
    expect(entry.dose).toEqual({ value: 30, unit: 'mg' });
  });

  it('treats a switch as the start of the drug it names, leaving the one switched from as it was', () => {
    const list = deriveMedicationList([
      change({ action: 'start', medication: sertraline, dose: { value: 100, unit: 'mg' }, frequency: 'daily' }),
      change({
        action: 'switch',
        medication: { name: 'escitalopram', rxnormCode: '321988' },
        dose: { value: 10, unit: 'mg' },
      }),
    ]);
    expect(list.map((entry) => [entry.name, entry.status, entry.dose?.value, entry.frequency])).toEqual([
      ['escitalopram', 'active', 10, null],
      ['Sertraline', 'active', 100, 'daily'],
    ]);
  });

  it('keeps the categories each medication was disclosed under, and lists active, on hold, then stopped', () => {
    const list = deriveMedicationList([
      change({ action: 'start', medication: { name: 'zolpidem' } }),
      change({ action: 'stop', medication: { name: 'zolpidem' } }),
      change({ action: 'start', medication: { name: 'buprenorphine' } }, { category: 'substance_use' }),
      change({ action: 'hold', medication: { name: 'aripiprazole' } }),
    ]);
    expect(list.map((entry) => [entry.name, entry.status, entry.categories])).toEqual([
      ['buprenorphine', 'active', ['substance_use']],
      ['aripiprazole', 'on_hold', ['medications']],
      ['zolpidem', 'stopped', ['medications']],
    ]);
  });
});
