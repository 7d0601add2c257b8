import { useCallback, useEffect, useRef, useState } from 'react';
import { errorMessage } from '@/lib/api';
import { isAcceptedImage, refusalMessage } from '@/lib/images';
import { useLatestRequest } from '@/lib/use-latest-request';
import {
  findByPerson,
  findByPhoto,
  getLibraryConfig,
  type LibraryConfig,
  type LibraryMatch,
  type PersonRef,
  type QueryFace,
} from './library';

export type Photo = { file: File; url: string };

/** What is searched for: a face in a photo (`face` null: the largest), or an enrolled person. */
export type FindQuery = { kind: 'photo'; photo: Photo; face: number | null } | { kind: 'person'; person: PersonRef };

/** The query photo's faces, as the API found them. */
export type QueryPhoto = { width: number; height: number; faces: QueryFace[]; query: number; note: string | null };

/** Every match down to the slider's floor; the page filters them by the slider's value. */
export type Found = { matches: LibraryMatch[]; photo?: QueryPhoto; person?: PersonRef };

export type FindState =
  | { status: 'idle' }
  | { status: 'refused'; message: string }
  | { status: 'loading'; query: FindQuery; previous?: Found }
  | { status: 'done'; query: FindQuery; found: Found }
  | { status: 'error'; query: FindQuery; message: string; previous?: Found };

/** The similarity settings from /api/config, loaded once and shared by every search. */
function useLibraryConfig() {
  const [config, setConfig] = useState<LibraryConfig | null>(null);
  const [configError, setConfigError] = useState<string | null>(null);
  const pending = useRef<Promise<LibraryConfig> | null>(null);

  const loadConfig = useCallback(() => {
    pending.current ??= getLibraryConfig().then(
      (loaded) => {
        setConfig(loaded);
        setConfigError(null);
        return loaded;
      },
      (error: unknown) => {
        pending.current = null;
        setConfigError(errorMessage(error));
        throw error;
      },
    );
    return pending.current;
  }, []);

  useEffect(() => {
    loadConfig().catch(() => undefined);
  }, [loadConfig]);

  return { config, configError, loadConfig };
}

async function find(query: FindQuery, floor: number, signal: AbortSignal): Promise<Found> {
  if (query.kind === 'person') {
    const { person, matches } = await findByPerson(query.person.id, floor, signal);
    return { matches, person };
  }
  const { matches, ...photo } = await findByPhoto(query.photo.file, floor, query.face, signal);
  return { matches, photo };
}

/**
 * Finds a face (or an enrolled person) in the library, one search at a time: a newer search cancels
 * the one before it. Searches ask for everything above the slider's floor, so the slider filters
 * without asking again.
 */
export function useLibraryFind() {
  const { config, configError, loadConfig } = useLibraryConfig();
  const [state, setState] = useState<FindState>({ status: 'idle' });
  const { start, isCurrent, keepPhotoUrl, forget } = useLatestRequest();

  const run = useCallback(
    async (query: FindQuery, previous?: Found) => {
      const signal = start();
      setState(previous ? { status: 'loading', query, previous } : { status: 'loading', query });
      try {
        const { library_threshold_min } = await loadConfig();
        const found = await find(query, library_threshold_min, signal);
        if (isCurrent(signal)) setState({ status: 'done', query, found });
      } catch (error) {
        const message = errorMessage(error);
        if (isCurrent(signal)) setState({ status: 'error', query, message, ...(previous ? { previous } : {}) });
      }
    },
    [start, isCurrent, loadConfig],
  );

  const choose = useCallback(
    (file: File) => {
      forget();
      if (!isAcceptedImage(file)) {
        setState({ status: 'refused', message: refusalMessage(file) });
        return;
      }
      void run({ kind: 'photo', photo: { file, url: keepPhotoUrl(file) }, face: null });
    },
    [forget, keepPhotoUrl, run],
  );

  /** Searches again with face `index` of the same photo. */
  const chooseFace = useCallback(
    (index: number) => {
      if (state.status !== 'done' && state.status !== 'error') return;
      const previous = state.status === 'done' ? state.found : state.previous;
      if (state.query.kind === 'photo' && previous) void run({ ...state.query, face: index }, previous);
    },
    [run, state],
  );

  const findPerson = useCallback(
    (person: PersonRef) => {
      forget();
      void run({ kind: 'person', person });
    },
    [forget, run],
  );

  return { config, configError, state, choose, chooseFace, findPerson };
}
