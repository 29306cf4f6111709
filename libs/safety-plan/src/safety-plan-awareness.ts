import { modifyAwarenessUpdate } from 'y-protocols/awareness';

/**
 * An editor's presence (y-protocols awareness: cursor, name, colour) re-encoded after decoding,
 * so only a well-formed update is relayed; null when it does not decode. Never stored.
 */
export function normalisedAwarenessUpdate(update: Uint8Array): Uint8Array | null {
  try {
    return modifyAwarenessUpdate(update, (state: unknown) => state);
  } catch {
    return null;
  }
}
