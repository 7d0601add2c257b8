import { useCallback, useEffect, useState } from 'react';
import { errorMessage } from '@/lib/api';
import { useLoaded } from '@/lib/use-loaded';
import { forgetFolder, getLibrary, startIndexing } from './library';

/** How often the library is asked for progress while a folder is being indexed. */
export const POLL_MS = 1000;

/** The library's folders and indexing job; polls while a job runs. */
export function useLibraryStatus(pollMs = POLL_MS) {
  const { data: status, loadError, reload: load } = useLoaded(getLibrary);
  const [actionError, setActionError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Counts reloads, answered and failed alike, so that polling goes on after a failed poll.
  const [polls, setPolls] = useState(0);

  const reload = useCallback(async () => {
    await load();
    setPolls((n) => n + 1);
  }, [load]);

  const running = status?.job?.state === 'running';
  useEffect(() => {
    if (!running) return;
    const timer = setTimeout(() => void reload(), pollMs);
    return () => clearTimeout(timer);
  }, [running, polls, reload, pollMs]);

  /** Runs a change of the library, then shows the library as it is after it. */
  const change = useCallback(
    async (action: () => Promise<unknown>) => {
      setBusy(true);
      setActionError(null);
      try {
        await action();
      } catch (error) {
        setActionError(errorMessage(error));
      }
      await reload();
      setBusy(false);
    },
    [reload],
  );

  const index = useCallback((folder: string) => change(() => startIndexing(folder)), [change]);
  const forget = useCallback((folder: string) => change(() => forgetFolder(folder)), [change]);

  return { status, loadError, actionError, busy, running, reload, index, forget };
}
