import { ApiImage } from '@/components/ApiImage';
import { imageSrc, THUMB_SIZE, type LibraryMatch } from '../api/library';
import { boxStyle, formatSimilarity, formatTaken } from './format';

type Props = { match: LibraryMatch; onOpen: (match: LibraryMatch, opener: HTMLElement) => void };

/** One photo found: a thumbnail with the face boxed, its similarity, its path and when it was taken; opens the photo. */
export function MatchCard({ match, onOpen }: Props) {
  const { path, folder, similarity, box, width, height, name } = match;
  const taken = formatTaken(match.taken_at, match.taken_from);
  return (
    <li>
      <button
        type="button"
        className="match"
        aria-label={`Open ${path}, similarity ${formatSimilarity(similarity)}`}
        onClick={(event) => onOpen(match, event.currentTarget)}
      >
        <span className="match__picture">
          <span className="match__frame">
            <ApiImage className="match__image" src={imageSrc(match.image_url, THUMB_SIZE)} alt="" loading="lazy" />
            <span className="library-box is-match" data-testid="match-box" style={boxStyle(box, width, height)} />
          </span>
        </span>
        <span className="match__body">
          <span className="tag is-accepted">{formatSimilarity(similarity)}</span>
          <span className="match__path">{path}</span>
          <span className="match__detail">
            {folder === '.' ? 'Library folder' : folder}
            {name && ` · ${name}`}
          </span>
          {taken && <span className="match__date">{taken}</span>}
        </span>
      </button>
    </li>
  );
}
