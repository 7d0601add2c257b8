import { useCallback, useEffect, useState } from 'react';
import { errorMessage } from '@/lib/api';
import { forgetFolder, getLibrary, startIndexing, type LibraryStatus } from './library';

/** How often the library is asked for progress while a folder is being indexed. */
export const POLL_MS = 1000;

/** The library's folders and indexing job; polls while a job runs. */
export function useLibraryStatus(pollMs = POLL_MS) {
  const [status, setStatus] = useState<LibraryStatus | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Counts answers and failures alike, so that polling goes on after a failed poll.
  const [polls, setPolls] = useState(0);

  const reload = useCallback(async () => {
    try {
      setStatus(await getLibrary());
      setLoadError(null);
    } catch (error) {
      setLoadError(errorMessage(error));
    }
    setPolls((n) => n + 1);
  }, []);

  useEffect(() => {
    void reload();
  }, [reload]);

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
