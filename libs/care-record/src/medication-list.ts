import type { MedicationAction, MedicationChangeBody, MessageState } from '@sharedcare/consult';

/** A `medication_change` message as the list is derived from: any state, its body opened. */
export interface MedicationChangeRecord {
  messageId: string;
  threadId: string;
  senderId: string;
  /** When the message was stored (an amendment: when the amendment was). */
  recordedAt: Date;
  category: string;
  state: MessageState;
  amendsMessageId: string | null;
  body: MedicationChangeBody;
}

export type MedicationStatus = 'active' | 'stopped' | 'on_hold';

export interface MedicationHistoryEntry {
  messageId: string;
  threadId: string;
  action: MedicationAction;
  dose: { value: number; unit: string } | null;
  frequency: string | null;
  route: string | null;
  effectiveDate: string;
  reason: string;
  monitoring: string | null;
  /** Who posted the change (for an amendment, who amended it: only a message's sender may). */
  changedBy: string;
  recordedAt: Date;
  category: string;
  /** The change was amended: this is the amended version, and `originalMessageId` the one first posted. */
  amended: boolean;
  originalMessageId: string;
}

export interface MedicationListEntry {
  name: string;
  rxnormCode: string | null;
  status: MedicationStatus;
  /** The dose, frequency and route as they stand after the last change that gave them. */
  dose: { value: number; unit: string } | null;
  frequency: string | null;
  route: string | null;
  /** The effective date of the change that gave the current status. */
  statusSince: string;
  lastChange: MedicationHistoryEntry;
  /** Every change that counts, in clinical order (effective date, then when first posted). */
  history: MedicationHistoryEntry[];
  /** The consent categories its changes were disclosed under (`substance_use` needs the 42 CFR 2.32 notice). */
  categories: string[];
}

/** Names compare case-, space- and width-insensitively: `Sertraline  HCl` is `sertraline hcl`. */
export function normaliseMedicationName(name: string): string {
  return name.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();
}

const STATUS_AFTER: Record<MedicationAction, MedicationStatus> = {
  start: 'active',
  increase: 'active',
  decrease: 'active',
  // The body names one medication: a switch records the drug switched *to*, which is taken from then on.
  switch: 'active',
  hold: 'on_hold',
  stop: 'stopped',
};

/** Where `effectiveDate` falls: a date alone is that day's start in UTC, so it sorts before any time that day. */
function effectiveTime(effectiveDate: string): number {
  return Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(effectiveDate) ? `${effectiveDate}T00:00:00Z` : effectiveDate);
}

/**
 * The changes that count, each in its latest version: a message entered in error does not count
 * (nor does anything amending it), an amended one counts as its amendment (which keeps the
 * original's place in time), and an amendment entered in error withdraws the change altogether.
 */
function countingChanges(
  records: readonly MedicationChangeRecord[],
): { entry: MedicationHistoryEntry; medication: { name: string; rxnormCode?: string } }[] {
  const byId = new Map(records.map((record) => [record.messageId, record]));
  const original = (record: MedicationChangeRecord): MedicationChangeRecord => {
    let current = record;
    const seen = new Set<string>();
    while (current.amendsMessageId !== null && !seen.has(current.messageId)) {
      seen.add(current.messageId);
      const parent = byId.get(current.amendsMessageId);
      if (!parent) break;
      current = parent;
    }
    return current;
  };
  return records
    .filter((record) => record.state === 'current')
    .map((record) => {
      const first = original(record);
      const { body } = record;
      return {
        entry: {
          messageId: record.messageId,
          threadId: record.threadId,
          action: body.action,
          dose: body.dose ? { value: body.dose.value, unit: body.dose.unit } : null,
          frequency: body.frequency ?? null,
          route: body.route ?? null,
          effectiveDate: body.effectiveDate,
          reason: body.reason,
          monitoring: body.monitoring ?? null,
          changedBy: record.senderId,
          recordedAt: record.recordedAt,
          category: record.category,
          amended: record.amendsMessageId !== null,
          originalMessageId: first.messageId,
        },
        medication: body.medication,
        firstPostedAt: first.recordedAt.getTime(),
      };
    })
    .sort(
      (a, b) =>
        effectiveTime(a.entry.effectiveDate) - effectiveTime(b.entry.effectiveDate) ||
        a.firstPostedAt - b.firstPostedAt ||
        (a.entry.originalMessageId < b.entry.originalMessageId ? -1 : 1),
    )
    .map(({ entry, medication }) => ({ entry, medication }));
}

/**
 * The current medication list from a client's medication changes (issue 5), a pure function of
 * the records given: the caller passes only what the reader may see.
 *
 * Matching: a change with an RxNorm code joins the medication with that code; failing that (or
 * without a code), the medication of the same normalised name that has no other code, which then
 * takes the code. Two codes under one name stay two medications.
 *
 * Actions: start, increase, decrease and switch make a medication active; hold puts it on hold;
 * stop stops it. A change's dose, frequency and route replace the current ones when it gives
 * them; start and switch describe the regimen afresh, so what they leave out is cleared. `switch`
 * names only the drug switched to (the body has one `medication`): that drug becomes active, and
 * the drug switched from is not identified, so it keeps its status until its own `stop` is posted.
 */
export function deriveMedicationList(records: readonly MedicationChangeRecord[]): MedicationListEntry[] {
  const entries: (MedicationListEntry & { names: Set<string> })[] = [];
  for (const { entry, medication } of countingChanges(records)) {
    const code = medication.rxnormCode ?? null;
    const name = normaliseMedicationName(medication.name);
    let found = code === null ? undefined : entries.find((one) => one.rxnormCode === code);
    found ??= entries.find((one) => one.names.has(name) && (one.rxnormCode === null || code === null));
    if (!found) {
      found = {
        names: new Set([name]),
        name: medication.name.trim(),
        rxnormCode: code,
        status: STATUS_AFTER[entry.action],
        dose: null,
        frequency: null,
        route: null,
        statusSince: entry.effectiveDate,
        lastChange: entry,
        history: [],
        categories: [],
      };
      entries.push(found);
    }
    if (found.rxnormCode === null && code !== null) found.rxnormCode = code;
    found.names.add(name);
    const afresh = entry.action === 'start' || entry.action === 'switch';
    found.dose = entry.dose ?? (afresh ? null : found.dose);
    found.frequency = entry.frequency ?? (afresh ? null : found.frequency);
    found.route = entry.route ?? (afresh ? null : found.route);
    const status = STATUS_AFTER[entry.action];
    if (status !== found.status || found.history.length === 0) found.statusSince = entry.effectiveDate;
    found.status = status;
    found.name = medication.name.trim();
    found.lastChange = entry;
    found.history.push(entry);
    if (!found.categories.includes(entry.category)) found.categories.push(entry.category);
  }
  const rank: Record<MedicationStatus, number> = { active: 0, on_hold: 1, stopped: 2 };
  return entries
    .map(({ names: _names, ...entry }) => entry)
    .sort((a, b) => rank[a.status] - rank[b.status] || a.name.localeCompare(b.name));
}
