import { useCallback, useEffect, useState } from 'react';
import { errorMessage } from '@/lib/api';
import { useLoaded } from '@/lib/use-loaded';
import { forgetFolder, getLibrary, startIndexing, type LibraryStatus } from './library';

/** How often the library is asked for progress while a folder is being indexed. */
export const POLL_MS = 1000;
/** How often it is asked, while the folder watcher is on and nothing is under way, whether something changed. */
export const WATCH_POLL_MS = 5000;

/** Whether the folder watcher has work under way or waiting. */
function watcherBusy(status: LibraryStatus | null | undefined): boolean {
  if (!status) return false;
  const waiting = status.folders.some((f) => (f.pending ?? 0) > 0 || f.pending_whole);
  return waiting || status.changes_job?.state === 'running';
}

/** The library's folders, indexing job and watched folders; polls while a job runs or waits, and, more slowly,
 * while the folder watcher is on (a folder may change at any time). */
export function useLibraryStatus(pollMs = POLL_MS, watchPollMs = WATCH_POLL_MS) {
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
  const busyWatching = watcherBusy(status);
  const watching = status?.watcher?.enabled === true; // polled while it is not running too: it may come back
  useEffect(() => {
    if (!running && !busyWatching && !watching) return;
    const timer = setTimeout(() => void reload(), running || busyWatching ? pollMs : watchPollMs);
    return () => clearTimeout(timer);
  }, [running, busyWatching, watching, polls, reload, pollMs, watchPollMs]);

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
