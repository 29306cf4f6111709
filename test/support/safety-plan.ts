import fc from 'fast-check';
import type { Socket as ClientSocket } from 'socket.io-client';
import * as Y from 'yjs';
import { SECTIONS_KEY } from '@sharedcare/safety-plan';

export type PlanSections = Y.Map<Y.Array<Y.Map<unknown>>>;

/** A browser's copy of a client's safety plan, kept in step with what the socket hears. */
export interface PlanEditor {
  socket: ClientSocket;
  clientId: string;
  doc: Y.Doc;
  /** The authors of the updates heard, in order. */
  heard: string[];
}

/** Joins the plan on `socket` and follows its live updates; throws if the join is refused. */
/** Resolves once `editor` has heard `count` relayed updates; never waits on a timer. */
export function heardUpdates(editor: PlanEditor, count: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const check = () => {
      if (editor.heard.length < count) return;
      editor.socket.off('safetyPlan.update', check);
      resolve();
    };
    editor.socket.on('safetyPlan.update', check);
    check();
  });
}

export async function joinPlan(socket: ClientSocket, clientId: string): Promise<PlanEditor> {
  const editor: PlanEditor = { socket, clientId, doc: new Y.Doc(), heard: [] };
  socket.on('safetyPlan.update', (event: { clientId: string; update: string; authorId: string }) => {
    if (event.clientId !== clientId) return;
    editor.heard.push(event.authorId);
    Y.applyUpdate(editor.doc, Buffer.from(event.update, 'base64'));
  });
  const joined = (await socket.emitWithAck('safetyPlan.join', { clientId })) as { ok: boolean; update?: string };
  if (!joined.ok || !joined.update) throw new Error(`plan not joined: ${JSON.stringify(joined)}`);
  Y.applyUpdate(editor.doc, Buffer.from(joined.update, 'base64'));
  return editor;
}

/** What `change` does to a copy of `doc`, as one base64 Yjs update (`doc` itself is untouched). */
export function planUpdate(doc: Y.Doc, change: (sections: PlanSections) => void): string {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
  const before = Y.encodeStateVector(copy);
  change(copy.getMap(SECTIONS_KEY) as PlanSections);
  return Buffer.from(Y.encodeStateAsUpdate(copy, before)).toString('base64');
}

/** Sends `change` as the editor; applied to the editor's copy once acknowledged. */
export async function editPlan(
  editor: PlanEditor,
  change: (sections: PlanSections) => void,
): Promise<{ ok: boolean; seq?: number; error?: { code: string } }> {
  const update = planUpdate(editor.doc, change);
  const answer = (await editor.socket.emitWithAck('safetyPlan.update', { clientId: editor.clientId, update })) as {
    ok: boolean;
  };
  if (answer.ok) Y.applyUpdate(editor.doc, Buffer.from(update, 'base64'));
  return answer;
}

export const planItem = (fields: Record<string, string>) => new Y.Map<unknown>(Object.entries(fields));

/** Sections random editors add to, rewrite and remove from freely (988 is never touched). */
export const FREE_SECTIONS = ['warning_signs', 'coping_strategies', 'support_contacts', 'reasons_for_living'] as const;
type FreeSection = (typeof FREE_SECTIONS)[number];

/** One random editor's step. */
export type PlanEdit =
  | { do: 'add'; section: FreeSection; text: string }
  | { do: 'remove'; section: FreeSection; at: number }
  | { do: 'rewrite'; section: FreeSection; at: number; text: string };

export const planEdit: fc.Arbitrary<PlanEdit> = fc.oneof(
  fc.record({
    do: fc.constant('add' as const),
    section: fc.constantFrom(...FREE_SECTIONS),
    text: fc.string({ maxLength: 40 }),
  }),
  fc.record({ do: fc.constant('remove' as const), section: fc.constantFrom(...FREE_SECTIONS), at: fc.nat(9) }),
  fc.record({
    do: fc.constant('rewrite' as const),
    section: fc.constantFrom(...FREE_SECTIONS),
    at: fc.nat(9),
    text: fc.string({ maxLength: 40 }),
  }),
);

function applyEdit(sections: PlanSections, step: PlanEdit): void {
  const items = sections.get(step.section)!;
  if (step.do === 'add') items.push([planItem({ text: step.text })]);
  else if (items.length === 0) return;
  else if (step.do === 'remove') items.delete(step.at % items.length, 1);
  else items.get(step.at % items.length).set('text', step.text);
}

/**
 * Sends the editor's steps all at once, each applied to its copy as sent, without waiting for
 * answers. With `dropAt`, the editor disconnects after that many, answers still in flight (the
 * client library rejects them), and resolves with null; otherwise with the answers.
 */
export async function sendEdits(
  editor: PlanEditor,
  steps: readonly PlanEdit[],
  dropAt?: number,
): Promise<{ ok: boolean; seq?: number }[] | null> {
  const sends: Promise<{ ok: boolean; seq?: number }>[] = [];
  for (const step of steps.slice(0, dropAt)) {
    const update = planUpdate(editor.doc, (sections) => applyEdit(sections, step));
    Y.applyUpdate(editor.doc, Buffer.from(update, 'base64'));
    sends.push(editor.socket.emitWithAck('safetyPlan.update', { clientId: editor.clientId, update }));
  }
  if (dropAt === undefined) return Promise.all(sends);
  for (const send of sends) send.catch(() => undefined);
  editor.socket.disconnect();
  return null;
}

/**
 * An editor back on a new connection (`back`, just joined): its copy takes what it had, and it
 * sends what the server lacks. The server's answer.
 */
export async function resync(old: PlanEditor, back: PlanEditor): Promise<{ ok: boolean; seq?: number }> {
  const missing = Y.encodeStateAsUpdate(old.doc, Y.encodeStateVector(back.doc));
  Y.applyUpdate(back.doc, Y.encodeStateAsUpdate(old.doc));
  return back.socket.emitWithAck('safetyPlan.update', {
    clientId: back.clientId,
    update: Buffer.from(missing).toString('base64'),
  }) as Promise<{ ok: boolean; seq?: number }>;
}
