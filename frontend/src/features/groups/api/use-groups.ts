import { useCallback, useEffect, useRef, useState } from 'react';
import { errorMessage } from '@/lib/api';
import { useLoaded } from '@/lib/use-loaded';
import { getGroup, getGroups, getSuggestions, type GroupDetail, type GroupList } from './groups';

/** How often the groups are asked for progress while the library is being grouped again. */
export const POLL_MS = 1000;

/** The groups (the shown ones, or the hidden ones), polled while a regrouping runs. */
export function useGroups(pollMs = POLL_MS) {
  const [hidden, setHidden] = useState(false);
  const load = useCallback(async () => ({ hidden, ...(await getGroups({ hidden })) }), [hidden]);
  const { data, loadError, reload: loadList } = useLoaded(load);
  // Counts reloads, answered and failed alike, so that polling goes on after a failed poll.
  const [polls, setPolls] = useState(0);

  const reload = useCallback(async () => {
    await loadList();
    setPolls((n) => n + 1);
  }, [loadList]);

  const running = data?.grouping?.state === 'running';
  useEffect(() => {
    if (!running) return;
    const timer = setTimeout(() => void reload(), pollMs);
    return () => clearTimeout(timer);
  }, [running, polls, reload, pollMs]);

  // Until the list asked for arrives, the other one is not shown as if it were it.
  const list: GroupList | null = data?.hidden === hidden ? data : null;
  return { list, loadError, running, hidden, setHidden, reload };
}

/** Pairs of groups that may be one person. */
export function useSuggestions() {
  const { data: suggestions, loadError, reload } = useLoaded(getSuggestions);
  return { suggestions, loadError, reload };
}

type Loaded = { id: string; detail: GroupDetail | null; error: string | null };

/** One group and its faces; `detail` is null until that group's answer arrives. */
export function useGroup(id: string) {
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const wanted = useRef(id);

  const reload = useCallback(async () => {
    let next: Loaded;
    try {
      next = { id, detail: await getGroup(id), error: null };
    } catch (error) {
      next = { id, detail: null, error: errorMessage(error) };
    }
    // An answer for a group no longer open is dropped; a failed reload keeps the faces shown.
    if (wanted.current !== id) return;
    setLoaded((previous) => (next.detail || previous?.id !== id ? next : { ...previous, error: next.error }));
  }, [id]);

  useEffect(() => {
    wanted.current = id;
    void reload();
  }, [id, reload]);

  const current = loaded?.id === id ? loaded : null;
  return { detail: current?.detail ?? null, loadError: current?.error ?? null, reload };
}

export type Notice = { kind: 'success' | 'error'; text: string };

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

type ChangeOptions<T> = {
  /** The sentence to show when it worked (none: nothing is said). */
  done?: (value: T) => string | null;
  /** Also run after it worked, before the notice shows (the open group's reload, another group to open). */
  then?: (value: T) => unknown;
  /** Errors the caller answers itself (not shown as a notice). */
  quiet?: (error: unknown) => boolean;
};

/** Changes of the groups: one at a time, each followed by `refresh()` (and its own `then`) before its notice shows,
 * so that the notice and what the page shows agree. */
export function useGroupChanges(refresh: () => Promise<unknown>) {
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<Notice | null>(null);

  const change = useCallback(
    async <T>(action: () => Promise<T>, { done, then, quiet }: ChangeOptions<T> = {}): Promise<Outcome<T>> => {
      setBusy(true);
      setNotice(null);
      let outcome: Outcome<T>;
      let said: Notice | null = null;
      try {
        const value = await action();
        outcome = { ok: true, value };
        const text = done?.(value);
        if (text) said = { kind: 'success', text };
        await Promise.all([refresh(), then?.(value)]);
      } catch (error) {
        outcome = { ok: false, error };
        if (!quiet?.(error)) said = { kind: 'error', text: errorMessage(error) };
        await refresh();
      }
      setNotice(said);
      setBusy(false);
      return outcome;
    },
    [refresh],
  );

  const clearNotice = useCallback(() => setNotice(null), []);
  return { busy, notice, change, clearNotice };
}
