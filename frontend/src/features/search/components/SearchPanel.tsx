import { DropZone } from '@/components/DropZone';
import { useFileDrop } from '@/lib/use-file-drop';
import { useSearch } from '../api/use-search';
import { AnnotatedPhoto } from './AnnotatedPhoto';
import { CameraCapture } from './CameraCapture';
import { SearchResults } from './SearchResults';

export function SearchPanel() {
  const { state, choose, showCandidates, toggleCandidates } = useSearch();
  const { dragging, handlers } = useFileDrop(choose);
  const photo = 'photo' in state ? state.photo : null;
  const result = state.status === 'done' ? state.result : state.status === 'loading' ? state.previous : undefined;

  return (
    <section className="panel search" aria-labelledby="search-title" {...handlers}>
      <h2 id="search-title">Who is in this photo?</h2>
      <div className="search__sources">
        <DropZone onFile={choose} dragging={dragging} compact={photo !== null} />
        <CameraCapture onPhoto={choose} />
      </div>
      {state.status === 'refused' && (
        <p className="notice is-error" role="alert">
          {state.message}
        </p>
      )}
      {photo && (
        <div className="search__answer">
          <AnnotatedPhoto
            url={photo.url}
            faces={result?.faces ?? []}
            width={result?.width ?? 1}
            height={result?.height ?? 1}
            busy={state.status === 'loading'}
          />
          {state.status === 'error' && (
            <p className="notice is-error" role="alert">
              {state.message}
            </p>
          )}
          {result && (
            <SearchResults
              photo={photo}
              result={result}
              showCandidates={showCandidates}
              onToggleCandidates={toggleCandidates}
              busy={state.status === 'loading'}
            />
          )}
        </div>
      )}
    </section>
  );
}
