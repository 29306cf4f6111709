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
