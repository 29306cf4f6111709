import * as Y from 'yjs';

/**
 * The plan's steps, in the order of the Stanley-Brown Safety Planning Intervention, then reasons
 * for living. Headings and help text are our own words: the published form is copyrighted.
 */
export const PLAN_SECTIONS = [
  {
    id: 'warning_signs',
    heading: 'Signs that a crisis may be starting',
    help: 'Thoughts, feelings, situations or behaviours that tell the client things are getting harder.',
    contacts: false,
  },
  {
    id: 'coping_strategies',
    heading: 'Things I can do on my own to feel better',
    help: 'Activities the client can do alone to take their mind off the problem for a while.',
    contacts: false,
  },
  {
    id: 'distractions',
    heading: 'People and places that help me take my mind off things',
    help: 'Company and settings that lift the mood, without needing to talk about the crisis.',
    contacts: true,
  },
  {
    id: 'support_contacts',
    heading: 'People I can ask for help',
    help: 'Family members or friends the client trusts to help when things get hard.',
    contacts: true,
  },
  {
    id: 'crisis_contacts',
    heading: 'Professionals and services to call in a crisis',
    help: 'Clinicians, crisis lines and emergency services, with how to reach them. The 988 line is always here.',
    contacts: true,
  },
  {
    id: 'environment_safety',
    heading: 'Keeping my surroundings safe',
    help: 'Steps agreed with the client to put lethal means out of reach.',
    contacts: false,
  },
  {
    id: 'reasons_for_living',
    heading: 'What matters most to me',
    help: 'The people, hopes and things the client holds onto.',
    contacts: false,
  },
] as const;

export type PlanSectionId = (typeof PLAN_SECTIONS)[number]['id'];
export const PLAN_SECTION_IDS: readonly PlanSectionId[] = PLAN_SECTIONS.map((section) => section.id);

export const PLAN_LIMITS = { text: 500, name: 100, phone: 32, itemsPerSection: 30 } as const;

/** The crisis line every plan lists; it can be neither removed nor changed. */
export const CRISIS_LINE_ITEM = {
  name: '988 Suicide & Crisis Lifeline',
  phone: '988',
  text: 'Call or text 988, or chat at 988lifeline.org, any time of day or night.',
} as const;

/** The root map of the document: section id → Y.Array of item Y.Maps. */
export const SECTIONS_KEY = 'sections';

export interface PlanItem {
  text: string;
  name?: string;
  phone?: string;
}

export interface PlanSectionJson {
  id: PlanSectionId;
  heading: string;
  help: string;
  items: PlanItem[];
}

/**
 * Every plan starts from the same structs, made under a fixed Yjs client id: every process and
 * every browser derives byte-identical structure, so two of them creating it apart never yields
 * two copies of a section or of the 988 line. Never change what this builds: stored plans
 * depend on it.
 */
const BASE_CLIENT_ID = 1;

function buildBaseUpdate(): Uint8Array {
  const doc = new Y.Doc();
  doc.clientID = BASE_CLIENT_ID;
  doc.transact(() => {
    const sections = doc.getMap<Y.Array<Y.Map<string>>>(SECTIONS_KEY);
    for (const id of PLAN_SECTION_IDS) {
      const items = new Y.Array<Y.Map<string>>();
      sections.set(id, items);
      if (id === 'crisis_contacts') items.push([new Y.Map(Object.entries(CRISIS_LINE_ITEM))]);
    }
  });
  return Y.encodeStateAsUpdate(doc);
}

export const BASE_PLAN_UPDATE: Uint8Array = buildBaseUpdate();

/** A new plan document: the sections in order, 988 listed. */
export function createPlanDocument(): Y.Doc {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, BASE_PLAN_UPDATE);
  return doc;
}

/** A copy of `doc` with `update` applied; `doc` itself is untouched (a Y.Doc cannot un-apply). */
export function withUpdate(doc: Y.Doc, update: Uint8Array): Y.Doc {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
  Y.applyUpdate(copy, update);
  return copy;
}

export interface PlanProblem {
  /** Where: a section id, or `document`. */
  at: string;
  reason: string;
}

const ITEM_FIELDS = (contacts: boolean): readonly string[] => (contacts ? ['text', 'name', 'phone'] : ['text']);

/**
 * What is wrong with the document, or null when it is a valid plan: only the root map of known
 * sections, every section present as an array of item maps with known string fields within their
 * bounds, at most PLAN_LIMITS.itemsPerSection items, 988 still listed unchanged, and nothing
 * waiting on updates it has not seen (they would arrive unchecked later).
 */
export function planProblem(doc: Y.Doc): PlanProblem | null {
  if (doc.store.pendingStructs !== null || doc.store.pendingDs !== null) {
    return { at: 'document', reason: 'depends on changes the server has not seen' };
  }
  for (const [name, type] of doc.share) {
    // A root type holds keyed content (_map) and list content (_start); the plan uses only the first.
    if (name !== SECTIONS_KEY || type._start !== null) {
      return { at: 'document', reason: 'only the plan’s sections may be edited' };
    }
  }
  const sections = doc.getMap<unknown>(SECTIONS_KEY);
  for (const key of sections.keys()) {
    if (!(PLAN_SECTION_IDS as readonly string[]).includes(key)) return { at: 'document', reason: 'unknown section' };
  }
  for (const section of PLAN_SECTIONS) {
    const items = sections.get(section.id);
    if (!(items instanceof Y.Array) || items._map.size > 0) return { at: section.id, reason: 'section missing' };
    if (items.length > PLAN_LIMITS.itemsPerSection) {
      return { at: section.id, reason: `more than ${PLAN_LIMITS.itemsPerSection} items` };
    }
    const fields = ITEM_FIELDS(section.contacts);
    for (const item of items.toArray() as unknown[]) {
      const problem = itemProblem(item, fields);
      if (problem) return { at: section.id, reason: problem };
    }
  }
  const crisis = (sections.get('crisis_contacts') as Y.Array<Y.Map<unknown>>).toArray();
  if (!crisis.some(isCrisisLine)) return { at: 'crisis_contacts', reason: 'the 988 line must stay listed, unchanged' };
  return null;
}

function itemProblem(item: unknown, fields: readonly string[]): string | null {
  if (!(item instanceof Y.Map) || item._start !== null) return 'an item must be a map of fields';
  for (const [key, value] of item.entries() as IterableIterator<[string, unknown]>) {
    if (!fields.includes(key)) return 'unknown item field';
    if (typeof value !== 'string') return `item ${key} must be text`;
    if (value.length > PLAN_LIMITS[key as keyof typeof PLAN_LIMITS]) return `item ${key} too long`;
  }
  return null;
}

function isCrisisLine(item: Y.Map<unknown>): boolean {
  const entries = Object.entries(CRISIS_LINE_ITEM);
  return item.size === entries.length && entries.every(([key, value]) => item.get(key) === value);
}

/** Every section in plan order, with its heading, help text and items (fields in a fixed order). */
export function planToJson(doc: Y.Doc): PlanSectionJson[] {
  const sections = doc.getMap<unknown>(SECTIONS_KEY);
  return PLAN_SECTIONS.map((section) => {
    const items = sections.get(section.id);
    const list = items instanceof Y.Array ? (items.toArray() as unknown[]) : [];
    return {
      id: section.id,
      heading: section.heading,
      help: section.help,
      items: list.filter((item): item is Y.Map<unknown> => item instanceof Y.Map).map(planItemJson),
    };
  });
}

/** One item's fields, in a fixed order. */
export function planItemJson(item: Y.Map<unknown>): PlanItem {
  const text = (field: string) => (typeof item.get(field) === 'string' ? (item.get(field) as string) : undefined);
  const json: PlanItem = { text: text('text') ?? '' };
  if (text('name') !== undefined) json.name = text('name');
  if (text('phone') !== undefined) json.phone = text('phone');
  return json;
}

/** The sections whose items differ between two renderings of a plan. */
export function sectionsChanged(before: PlanSectionJson[], after: PlanSectionJson[]): PlanSectionId[] {
  return after
    .filter((section, index) => JSON.stringify(section.items) !== JSON.stringify(before[index]?.items))
    .map((section) => section.id);
}
