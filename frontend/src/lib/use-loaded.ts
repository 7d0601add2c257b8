import { useCallback, useEffect, useState } from 'react';
import { errorMessage } from './api';

/**
 * Loads `load()` on mount and again on each `reload()`. `data` is the last answer (null until the
 * first); a failure leaves it as it was and sets `loadError` to a readable message, which the next
 * answer clears. `load` should be stable (a module-level function, or one from useCallback).
 */
export function useLoaded<T>(load: () => Promise<T>) {
  const [data, setData] = useState<T | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);

  const reload = useCallback(async () => {
    try {
      const loaded = await load();
      setData(() => loaded);
      setLoadError(null);
    } catch (error) {
      setLoadError(errorMessage(error));
    }
  }, [load]);

  useEffect(() => {
    void reload();
  }, [reload]);

  return { data, loadError, reload };
}
