import { useCallback, useState } from 'react';
import { errorMessage } from '@/lib/api';
import { useLoaded } from '@/lib/use-loaded';
import { getPeople, type UploadResult } from './people';

export type Notice = { kind: 'success' | 'error'; text: string; skipped?: UploadResult['skipped'] };

function uploadNotice({ person, imported, skipped }: UploadResult): Notice {
  const added = imported.length === 1 ? '1 photo' : `${imported.length} photos`;
  return { kind: 'success', text: `Added ${added} of ${person.name}.`, skipped };
}

/** The enrolled people, and changes to them that reload the list afterwards. */
export function usePeople() {
  const { data: people, loadError, reload } = useLoaded(getPeople);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<Notice | null>(null);

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
