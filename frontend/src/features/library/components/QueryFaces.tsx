import { PhotoImage } from '@/components/PhotoImage';
import type { QueryPhoto } from '../api/use-library-find';
import { boxStyle } from './format';

type Props = {
  url: string;
  photo: QueryPhoto | undefined;
  /** The face chosen (it may still be being searched with), or null for the API's choice. */
  chosen: number | null;
  busy: boolean;
  onChooseFace: (index: number) => void;
};

/** The photo being searched with, its faces numbered; with several faces, a choice of which one. */
export function QueryFaces({ url, photo, chosen, busy, onChooseFace }: Props) {
  const faces = photo?.faces ?? [];
  const current = chosen ?? photo?.query;
  return (
    <div className="query">
      <figure className="query__photo">
        <div className="photo__frame">
          <PhotoImage
            className="query__image"
            url={url}
            alt="The photo you are searching with"
            width={photo?.width ?? 1}
            height={photo?.height ?? 1}
            maxWidth="min(20rem, 85vw)"
            maxHeight="220px"
          />
          {photo &&
            faces.map(({ index, box }) => (
              <div
                key={index}
                className={`library-box${index === current ? ' is-match' : ' is-other'}`}
                data-testid="query-box"
                aria-hidden="true"
                style={boxStyle(box, photo.width, photo.height)}
              >
                {faces.length > 1 && <span className="library-box__number">{index}</span>}
              </div>
            ))}
        </div>
      </figure>
      {photo && faces.length > 1 && (
        <div className="query__faces">
          {photo.note && <p className="query__note">{photo.note}</p>}
          <div className="query__choices" role="group" aria-label="Which face to look for">
            {faces.map(({ index }) => (
              <button
                key={index}
                type="button"
                className="button is-secondary"
                aria-pressed={index === current}
                disabled={busy}
                onClick={() => index !== current && onChooseFace(index)}
              >
                Face {index}
              </button>
            ))}
          </div>
        </div>
      )}
    </div>
  );
}
