import { useEffect, useState } from 'react';
import { errorMessage } from '@/lib/api';
import { getLibraryPhoto, type LibraryPhoto } from './library';

export type PhotoState =
  | { status: 'loading' }
  | { status: 'done'; photo: LibraryPhoto }
  | { status: 'error'; message: string };

/** One library photo with every face in it. */
export function useLibraryPhoto(photoId: string): PhotoState {
  const [state, setState] = useState<PhotoState>({ status: 'loading' });

  useEffect(() => {
    const controller = new AbortController();
    setState({ status: 'loading' });
    getLibraryPhoto(photoId, controller.signal).then(
      (photo) => setState({ status: 'done', photo }),
      (error: unknown) => {
        if (!controller.signal.aborted) setState({ status: 'error', message: errorMessage(error) });
      },
    );
    return () => controller.abort();
  }, [photoId]);

  return state;
}
