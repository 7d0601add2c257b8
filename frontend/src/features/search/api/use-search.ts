import { useCallback, useState } from 'react';
import { errorMessage } from '@/lib/api';
import { isAcceptedImage, refusalMessage } from '@/lib/images';
import { useLatestRequest } from '@/lib/use-latest-request';
import { DEFAULT_LIMIT, MORE_LIMIT, searchPhoto, type SearchResult } from './search';

export type Photo = { file: File; url: string };

export type SearchState =
  | { status: 'idle' }
  | { status: 'refused'; message: string }
  | { status: 'loading'; photo: Photo; previous?: SearchResult }
  | { status: 'done'; photo: Photo; result: SearchResult; limit: number }
  | { status: 'error'; photo: Photo; message: string };

/** Searches one photo at a time; a newer search cancels the one before it. */
export function useSearch() {
  const [state, setState] = useState<SearchState>({ status: 'idle' });
  const [showCandidates, setShowCandidates] = useState(false);
  const { start, isCurrent, keepPhotoUrl, forget } = useLatestRequest();

  const run = useCallback(
    async (photo: Photo, limit: number, previous?: SearchResult) => {
      const signal = start();
      setState(previous ? { status: 'loading', photo, previous } : { status: 'loading', photo });
      try {
        const result = await searchPhoto(photo.file, limit, signal);
        if (isCurrent(signal)) setState({ status: 'done', photo, result, limit });
      } catch (error) {
        if (isCurrent(signal)) setState({ status: 'error', photo, message: errorMessage(error) });
      }
    },
    [start, isCurrent],
  );

  const choose = useCallback(
    (file: File) => {
      forget();
      if (!isAcceptedImage(file)) {
        setState({ status: 'refused', message: refusalMessage(file) });
        return;
      }
      void run({ file, url: keepPhotoUrl(file) }, showCandidates ? MORE_LIMIT : DEFAULT_LIMIT);
    },
    [forget, keepPhotoUrl, run, showCandidates],
  );

  const toggleCandidates = useCallback(() => {
    const next = !showCandidates;
    setShowCandidates(next);
    if (next && state.status === 'done' && state.limit < MORE_LIMIT) {
      void run(state.photo, MORE_LIMIT, state.result);
    }
  }, [run, showCandidates, state]);

  return { state, choose, showCandidates, toggleCandidates };
}
