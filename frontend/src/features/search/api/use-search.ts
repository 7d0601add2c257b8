import { useCallback, useEffect, useRef, useState } from 'react';
import { errorMessage } from '@/lib/api';
import { isAcceptedImage, refusalMessage } from '@/lib/images';
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
  const controller = useRef<AbortController | null>(null);
  const photoUrl = useRef<string | null>(null);

  const forgetPhoto = useCallback(() => {
    controller.current?.abort();
    if (photoUrl.current) URL.revokeObjectURL(photoUrl.current);
    photoUrl.current = null;
  }, []);

  useEffect(() => forgetPhoto, [forgetPhoto]);

  const run = useCallback(async (photo: Photo, limit: number, previous?: SearchResult) => {
    controller.current?.abort();
    const current = new AbortController();
    controller.current = current;
    setState(previous ? { status: 'loading', photo, previous } : { status: 'loading', photo });
    try {
      const result = await searchPhoto(photo.file, limit, current.signal);
      if (!current.signal.aborted) setState({ status: 'done', photo, result, limit });
    } catch (error) {
      if (!current.signal.aborted) setState({ status: 'error', photo, message: errorMessage(error) });
    }
  }, []);

  const choose = useCallback(
    (file: File) => {
      forgetPhoto();
      if (!isAcceptedImage(file)) {
        setState({ status: 'refused', message: refusalMessage(file) });
        return;
      }
      const url = URL.createObjectURL(file);
      photoUrl.current = url;
      void run({ file, url }, showCandidates ? MORE_LIMIT : DEFAULT_LIMIT);
    },
    [forgetPhoto, run, showCandidates],
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
