import { useCallback, useEffect, useRef, useState } from 'react';
import { errorMessage } from '@/lib/api';
import { isAcceptedImage, refusalMessage } from '@/lib/images';
import { useLatestRequest } from '@/lib/use-latest-request';
import {
  ANY_TIME,
  findByPerson,
  findByPhoto,
  getLibraryConfig,
  type FindFilters,
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

/** The sentence for days that no photo can be taken in, or null when they are fine. */
export function daysProblem({ since, until }: FindFilters): string | null {
  return since && until && since > until ? 'The “From” day is after the “To” day: no photo can be taken between them.' : null;
}

async function find(query: FindQuery, floor: number, filters: FindFilters, signal: AbortSignal): Promise<Found> {
  if (query.kind === 'person') {
    const { person, matches } = await findByPerson(query.person.id, floor, filters, signal);
    return { matches, person };
  }
  const { matches, ...photo } = await findByPhoto(query.photo.file, floor, query.face, filters, signal);
  return { matches, photo };
}

/** The query of a search under way or done, and the answer to show meanwhile. */
function current(state: FindState): { query: FindQuery; previous?: Found } | null {
  if (state.status === 'done') return { query: state.query, previous: state.found };
  if (state.status === 'loading' || state.status === 'error') {
    return state.previous ? { query: state.query, previous: state.previous } : { query: state.query };
  }
  return null;
}

/**
 * Finds a face (or an enrolled person) in the library, one search at a time: a newer search cancels
 * the one before it. Searches ask for everything above the slider's floor, so the slider filters
 * without asking again; the days and the order (`filters`) are the API's to apply, so changing them
 * searches again.
 */
export function useLibraryFind() {
  const { config, configError, loadConfig } = useLibraryConfig();
  const [state, setState] = useState<FindState>({ status: 'idle' });
  const [filters, setFilters] = useState<FindFilters>(ANY_TIME);
  const filtersNow = useRef(filters);
  const { start, isCurrent, keepPhotoUrl, forget } = useLatestRequest();

  const run = useCallback(
    async (query: FindQuery, previous?: Found) => {
      const signal = start();
      setState(previous ? { status: 'loading', query, previous } : { status: 'loading', query });
      try {
        const { library_threshold_min } = await loadConfig();
        const found = await find(query, library_threshold_min, filtersNow.current, signal);
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

  /** New days or order: searches again with them, unless no photo can be taken in those days. */
  const changeFilters = useCallback(
    (next: FindFilters) => {
      filtersNow.current = next;
      setFilters(next);
      const now = current(state);
      if (now && !daysProblem(next)) void run(now.query, now.previous);
    },
    [run, state],
  );

  return { config, configError, state, filters, choose, chooseFace, findPerson, changeFilters };
}
