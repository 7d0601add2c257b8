import type { Photo } from '../api/use-search';
import { MORE_LIMIT, type SearchResult } from '../api/search';
import { FaceCard } from './FaceCard';

type Props = {
  photo: Photo;
  result: SearchResult;
  showCandidates: boolean;
  onToggleCandidates: () => void;
  busy: boolean;
};

export function SearchResults({ photo, result, showCandidates, onToggleCandidates, busy }: Props) {
  const count = result.faces.length;
  return (
    <div className="results">
      <div className="results__header">
        <h3 className="results__title">
          {count} {count === 1 ? 'face' : 'faces'} found
        </h3>
        <button type="button" className="button is-secondary" onClick={onToggleCandidates} disabled={busy}>
          {showCandidates ? 'Hide candidates' : `Show top ${MORE_LIMIT} candidates`}
        </button>
      </div>
      <ol className="face-list">
        {result.faces.map((face) => (
          <FaceCard
            key={face.index}
            face={face}
            photoUrl={photo.url}
            width={result.width}
            height={result.height}
            showCandidates={showCandidates}
          />
        ))}
      </ol>
    </div>
  );
}
