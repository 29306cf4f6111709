import * as Y from 'yjs';
import { comparePlans } from './safety-plan-compare.js';
import { createPlanDocument, SECTIONS_KEY } from './safety-plan-document.js';

type Sections = Y.Map<Y.Array<Y.Map<unknown>>>;
const sections = (doc: Y.Doc) => doc.getMap(SECTIONS_KEY) as Sections;
const item = (text: string) => new Y.Map<unknown>([['text', text]]);
const copy = (doc: Y.Doc) => {
  const next = new Y.Doc();
  Y.applyUpdate(next, Y.encodeStateAsUpdate(doc));
  return next;
};

describe('comparing two states of a plan', () => {
  it('matches items by identity: an edit is a change, a same-worded new item is an addition', () => {
    const before = createPlanDocument();
    sections(before)
      .get('warning_signs')!
      .push([item('Not sleeping'), item('Skipping meals')]);
    const after = copy(before);
    const signs = sections(after).get('warning_signs')!;
    signs.get(0).set('text', 'Not sleeping at all');
    signs.delete(1, 1);
    signs.push([item('Skipping meals')]);

    const [warning, ...rest] = comparePlans(before, after);
    expect(warning).toMatchObject({
      id: 'warning_signs',
      added: [{ text: 'Skipping meals' }],
      removed: [{ text: 'Skipping meals' }],
      changed: [{ before: { text: 'Not sleeping' }, after: { text: 'Not sleeping at all' } }],
      unchanged: 0,
    });
    expect(
      rest.map((section) => [section.id, section.added.length + section.removed.length + section.changed.length]),
    ).toEqual([
      ['coping_strategies', 0],
      ['distractions', 0],
      ['support_contacts', 0],
      ['crisis_contacts', 0],
      ['environment_safety', 0],
      ['reasons_for_living', 0],
    ]);
    expect(rest[3].unchanged).toBe(1);
  });

  it('finds nothing between a plan and itself', () => {
    const doc = createPlanDocument();
    expect(comparePlans(doc, copy(doc)).every((s) => s.added.length + s.removed.length + s.changed.length === 0)).toBe(
      true,
    );
  });
});
