import { type ApiClient, type Me, type Provider } from '@sharedcare/client';
import { createContext, useContext, useEffect, useState, useSyncExternalStore } from 'react';
import type { Live } from './live';
import type { Session } from './session';

export interface AppServices {
  session: Session;
  api: ApiClient;
  live: Live;
  me: Me;
  /** The organisation's directory, by id, for names. */
  providers: Map<string, Provider>;
}

export const AppContext = createContext<AppServices | undefined>(undefined);

export function useApp(): AppServices {
  const services = useContext(AppContext);
  if (!services) throw new Error('useApp outside the signed-in app');
  return services;
}

/** Re-renders on every live change (messages, receipts, connection). */
export function useLive(): Live {
  const { live } = useApp();
  useSyncExternalStore(live.subscribe, live.snapshot);
  return live;
}

/** A provider's display name, or a neutral label for one not in the directory. */
export function useProviderName(): (providerId: string) => string {
  const { providers, me } = useApp();
  return (providerId) =>
    providerId === me.providerId ? 'You' : (providers.get(providerId)?.displayName ?? 'Another provider');
}

export type Loaded<T> = { status: 'loading' } | { status: 'ready'; value: T } | { status: 'failed'; error: string };

/** Loads `load()` when `key` changes; `reload` loads again. */
export function useLoad<T>(load: () => Promise<T>, key: unknown[]): [Loaded<T>, () => void] {
  const [state, setState] = useState<Loaded<T>>({ status: 'loading' });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let current = true;
    load().then(
      (value) => current && setState({ status: 'ready', value }),
      (error: unknown) => current && setState({ status: 'failed', error: describeError(error) }),
    );
    return () => {
      current = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the caller names what `load` depends on, in `key`
  }, [...key, round]);
  return [state, () => setRound((r) => r + 1)];
}

/** The time now, updated every `everyMs` (for countdowns and due dates). */
export function useNow(everyMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return 'Something went wrong';
}
