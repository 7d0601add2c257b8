import { useCallback, useEffect, useState } from 'react';
import { errorMessage } from '@/lib/api';
import { getPeople, type Person, type UploadResult } from './people';

export type Notice = { kind: 'success' | 'error'; text: string; skipped?: UploadResult['skipped'] };

function uploadNotice({ person, imported, skipped }: UploadResult): Notice {
  const added = imported.length === 1 ? '1 photo' : `${imported.length} photos`;
  return { kind: 'success', text: `Added ${added} of ${person.name}.`, skipped };
}

/** The enrolled people, and changes to them that reload the list afterwards. */
export function usePeople() {
  const [people, setPeople] = useState<Person[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<Notice | null>(null);

  const reload = useCallback(async () => {
    try {
      setPeople(await getPeople());
      setLoadError(null);
    } catch (error) {
      setLoadError(errorMessage(error));
    }
  }, []);

  useEffect(() => {
    void reload();
  }, [reload]);

  /** Runs a change; resolves true when it worked. */
  const change = useCallback(
    async (action: () => Promise<UploadResult | void>, doneText?: string): Promise<boolean> => {
      setBusy(true);
      setNotice(null);
      let outcome: Notice;
      try {
        const result = await action();
        outcome = result ? uploadNotice(result) : { kind: 'success', text: doneText ?? 'Done.' };
      } catch (error) {
        outcome = { kind: 'error', text: errorMessage(error) };
      }
      // The list is reloaded before the notice shows, so the two always agree.
      await reload();
      setNotice(outcome);
      setBusy(false);
      return outcome.kind === 'success';
    },
    [reload],
  );

  const refuse = useCallback((text: string) => setNotice({ kind: 'error', text }), []);

  return { people, loadError, busy, notice, change, refuse, reload };
}
