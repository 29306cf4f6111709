import * as Y from 'yjs';
import {
  PLAN_SECTIONS,
  type PlanItem,
  planItemJson,
  type PlanSectionId,
  SECTIONS_KEY,
} from './safety-plan-document.js';

export interface SectionComparison {
  id: PlanSectionId;
  heading: string;
  added: PlanItem[];
  removed: PlanItem[];
  /** Items present at both points whose fields differ. */
  changed: { before: PlanItem; after: PlanItem }[];
  unchanged: number;
}

/** An item's identity in the document: the Yjs id it was created with, the same in every copy. */
function itemsById(doc: Y.Doc, section: PlanSectionId): Map<string, PlanItem> {
  const items = doc.getMap<unknown>(SECTIONS_KEY).get(section);
  const byId = new Map<string, PlanItem>();
  if (!(items instanceof Y.Array)) return byId;
  for (const item of items.toArray() as unknown[]) {
    if (!(item instanceof Y.Map) || !item._item) continue;
    byId.set(`${item._item.id.client}:${item._item.id.clock}`, planItemJson(item));
  }
  return byId;
}

const sameItem = (a: PlanItem, b: PlanItem) => a.text === b.text && a.name === b.name && a.phone === b.phone;

/**
 * Two states of one plan, section by section: items are matched by their identity in the
 * document, not by their text, so an edited item shows as changed and two items with the same
 * words stay two.
 */
export function comparePlans(before: Y.Doc, after: Y.Doc): SectionComparison[] {
  return PLAN_SECTIONS.map((section) => {
    const was = itemsById(before, section.id);
    const now = itemsById(after, section.id);
    const comparison: SectionComparison = {
      id: section.id,
      heading: section.heading,
      added: [],
      removed: [],
      changed: [],
      unchanged: 0,
    };
    for (const [id, item] of now) {
      const previous = was.get(id);
      if (!previous) comparison.added.push(item);
      else if (!sameItem(previous, item)) comparison.changed.push({ before: previous, after: item });
      else comparison.unchanged++;
    }
    for (const [id, item] of was) if (!now.has(id)) comparison.removed.push(item);
    return comparison;
  });
}
