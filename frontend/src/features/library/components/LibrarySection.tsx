import { useEffect, useState } from 'react';
import { DropZone } from '@/components/DropZone';
import { useFileDrop } from '@/lib/use-file-drop';
import type { PersonRef } from '../api/library';
import { useLibraryFind } from '../api/use-library-find';
import { DateRange } from './DateRange';
import { FindResults } from './FindResults';
import { LibraryStatusPanel } from './LibraryStatusPanel';
import { QueryFaces } from './QueryFaces';

/** A request from elsewhere on the page to show an enrolled person's photos; `id` tells repeats apart. */
export type PersonSearch = { id: number; person: PersonRef };

type Props = {
  personSearch?: PersonSearch | null;
  /** How often to ask for progress while indexing, in ms (tests shorten it). */
  pollMs?: number;
};

/** "Find in photos": every library photo with a face from a photo, or with an enrolled person. */
export function LibrarySection({ personSearch = null, pollMs }: Props) {
  const { config, configError, state, filters, choose, chooseFace, findPerson, changeFilters } = useLibraryFind();
  const { dragging, handlers } = useFileDrop(choose, { pasteAnywhere: false });
  const [threshold, setThreshold] = useState<number | null>(null);
  const section = handlers.ref;

  useEffect(() => {
    if (!personSearch) return;
    findPerson(personSearch.person);
    section.current?.focus({ preventScroll: true });
    section.current?.scrollIntoView?.({ behavior: 'smooth', block: 'start' });
  }, [personSearch, findPerson, section]);

  const query = 'query' in state ? state.query : null;
  const photo = query?.kind === 'photo' ? query.photo : null;
  const chosenFace = query?.kind === 'photo' ? query.face : null;
  const found = state.status === 'done' ? state.found : state.status === 'loading' ? state.previous : undefined;
  const busy = state.status === 'loading';
  // After a failed search with another face, the faces stay, so that yet another can be chosen.
  const queryPhoto = found?.photo ?? (state.status === 'error' ? state.previous?.photo : undefined);

  return (
    // Focusable, so that a click anywhere in the section sends a paste here rather than to the people search.
    <section className="panel" id="library" aria-labelledby="library-title" tabIndex={-1} {...handlers}>
      <h2 id="library-title">Find in photos</h2>
      <p className="muted">Drop a photo of someone to see every photo of the library they are in.</p>
      <DropZone onFile={choose} dragging={dragging} compact={query !== null} />
      <DateRange filters={filters} onChange={changeFilters} />
      {configError && !query && (
        <p className="notice is-error" role="alert">
          {configError}
        </p>
      )}
      {state.status === 'refused' && (
        <p className="notice is-error" role="alert">
          {state.message}
        </p>
      )}
      {query && (
        <div className={`find${photo ? ' has-photo' : ''}`}>
          {photo && (
            <QueryFaces url={photo.url} photo={queryPhoto} chosen={chosenFace} busy={busy} onChooseFace={chooseFace} />
          )}
          <div className="find__answer" aria-busy={busy}>
            {busy && (
              <p className="find__busy" role="status">
                <span className="spinner" aria-hidden="true" />
                Searching…
              </p>
            )}
            {state.status === 'error' && (
              <p className="notice is-error" role="alert">
                {state.message}
              </p>
            )}
            {found && config && (
              <FindResults
                found={found}
                config={config}
                threshold={threshold ?? config.library_threshold}
                onThreshold={setThreshold}
                dated={Boolean(filters.since || filters.until)}
              />
            )}
          </div>
        </div>
      )}
      <LibraryStatusPanel {...(pollMs ? { pollMs } : {})} />
    </section>
  );
}
