import * as Y from 'yjs';
import {
  BASE_PLAN_UPDATE,
  CRISIS_LINE_ITEM,
  createPlanDocument,
  PLAN_LIMITS,
  PLAN_SECTION_IDS,
  planProblem,
  planToJson,
  SECTIONS_KEY,
  sectionsChanged,
  withUpdate,
} from './safety-plan-document.js';

type Sections = Y.Map<Y.Array<Y.Map<unknown>>>;

/** An editor's replica: a document in sync with `server`, whose edits come back as one update. */
function edit(server: Y.Doc, change: (sections: Sections, doc: Y.Doc) => void): Uint8Array {
  const replica = new Y.Doc();
  Y.applyUpdate(replica, Y.encodeStateAsUpdate(server));
  const before = Y.encodeStateVector(replica);
  change(replica.getMap(SECTIONS_KEY) as Sections, replica);
  return Y.encodeStateAsUpdate(replica, before);
}

const item = (fields: Record<string, unknown>) => new Y.Map(Object.entries(fields));

describe('the safety plan document', () => {
  it('holds the seven sections in plan order, 988 listed, with our headings', () => {
    const plan = planToJson(createPlanDocument());
    expect(plan.map((section) => section.id)).toEqual([
      'warning_signs',
      'coping_strategies',
      'distractions',
      'support_contacts',
      'crisis_contacts',
      'environment_safety',
      'reasons_for_living',
    ]);
    expect(plan[4].items).toEqual([{ ...CRISIS_LINE_ITEM }]);
    expect(plan.every((section) => section.heading.length > 0 && section.help.length > 0)).toBe(true);
    expect(planProblem(createPlanDocument())).toBeNull();
  });

  it('is built identically everywhere, so two fresh copies merge into one plan', () => {
    const a = createPlanDocument();
    const b = createPlanDocument();
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b));
    expect(planToJson(a)[4].items).toHaveLength(1);
    expect(Y.encodeStateAsUpdate(createPlanDocument())).toEqual(BASE_PLAN_UPDATE);
  });

  it('accepts items within bounds and reports the sections an update touched', () => {
    const doc = createPlanDocument();
    const update = edit(doc, (sections) => {
      sections.get('warning_signs')!.push([item({ text: 'Not sleeping' })]);
      sections.get('support_contacts')!.push([item({ text: 'Sister', name: 'Ana', phone: '555-0100' })]);
    });
    const next = withUpdate(doc, update);
    expect(planProblem(next)).toBeNull();
    expect(sectionsChanged(planToJson(doc), planToJson(next))).toEqual(['warning_signs', 'support_contacts']);
    expect(planToJson(doc)[0].items).toEqual([]);
    expect(planToJson(next)[0].items).toEqual([{ text: 'Not sleeping' }]);
  });

  it.each([
    ['an unknown section', (s: Sections) => s.set('diary', new Y.Array<Y.Map<unknown>>())],
    ['a missing section', (s: Sections) => s.delete('warning_signs')],
    ['another root type', (_s: Sections, doc: Y.Doc) => doc.getText('notes').insert(0, 'x')],
    ['an unknown item field', (s: Sections) => s.get('warning_signs')!.push([item({ text: 'a', mood: 'b' })])],
    [
      'a name outside a contacts section',
      (s: Sections) => s.get('warning_signs')!.push([item({ text: 'a', name: 'b' })]),
    ],
    ['a field that is not text', (s: Sections) => s.get('warning_signs')!.push([item({ text: 3 })])],
    ['an item that is not a map', (s: Sections) => s.get('warning_signs')!.push(['loose text' as never])],
    [
      'an oversized text',
      (s: Sections) => s.get('warning_signs')!.push([item({ text: 'x'.repeat(PLAN_LIMITS.text + 1) })]),
    ],
    [
      'an oversized phone',
      (s: Sections) => s.get('support_contacts')!.push([item({ text: 'a', phone: '1'.repeat(PLAN_LIMITS.phone + 1) })]),
    ],
    [
      'too many items',
      (s: Sections) =>
        s
          .get('coping_strategies')!
          .push(Array.from({ length: PLAN_LIMITS.itemsPerSection + 1 }, (_, n) => item({ text: `walk ${n}` }))),
    ],
    ['988 removed', (s: Sections) => s.get('crisis_contacts')!.delete(0, 1)],
    ['988 changed', (s: Sections) => s.get('crisis_contacts')!.get(0).set('phone', '911')],
    ['988 given another field', (s: Sections) => s.get('crisis_contacts')!.get(0).set('text', 'call later')],
  ])('refuses %s, leaving the document as it was', (_name, change) => {
    const doc = createPlanDocument();
    const before = Y.encodeStateAsUpdate(doc);
    const next = withUpdate(doc, edit(doc, change));
    expect(planProblem(next)).not.toBeNull();
    expect(Y.encodeStateAsUpdate(doc)).toEqual(before);
  });

  it('refuses list content in the root map', () => {
    const doc = createPlanDocument();
    const stranger = new Y.Doc();
    stranger.getArray(SECTIONS_KEY).insert(0, ['loose']);
    expect(planProblem(withUpdate(doc, Y.encodeStateAsUpdate(stranger)))).toEqual(
      expect.objectContaining({ at: 'document' }),
    );
  });

  it('refuses an update that depends on changes it has not seen', () => {
    const doc = createPlanDocument();
    const editor = new Y.Doc();
    Y.applyUpdate(editor, Y.encodeStateAsUpdate(doc));
    const first = edit(editor, (s) => s.get('warning_signs')!.push([item({ text: 'one' })]));
    Y.applyUpdate(editor, first);
    const second = edit(editor, (s) => s.get('warning_signs')!.push([item({ text: 'two' })]));
    expect(planProblem(withUpdate(doc, second))).toEqual(expect.objectContaining({ at: 'document' }));
    expect(planProblem(withUpdate(withUpdate(doc, first), second))).toBeNull();
  });

  it('keeps the 988 line when someone removes it and adds an identical one back', () => {
    const doc = createPlanDocument();
    const update = edit(doc, (s) => {
      s.get('crisis_contacts')!.delete(0, 1);
      s.get('crisis_contacts')!.push([item({ ...CRISIS_LINE_ITEM })]);
    });
    expect(planProblem(withUpdate(doc, update))).toBeNull();
  });

  it('lists the sections in order', () => {
    expect(PLAN_SECTION_IDS).toHaveLength(7);
  });
});
