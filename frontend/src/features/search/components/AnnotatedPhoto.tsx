import { PhotoImage } from '@/components/PhotoImage';
import type { Face } from '../api/search';
import { percent } from './format';

type Props = {
  url: string;
  faces: Face[];
  width: number;
  height: number;
  busy: boolean;
};

/** The searched photo, with a numbered box on every face (boxes scale with the displayed image). */
export function AnnotatedPhoto({ url, faces, width, height, busy }: Props) {
  const alt =
    faces.length === 0 ? 'Your photo' : `Your photo, with ${faces.length} ${faces.length === 1 ? 'face' : 'faces'} marked`;
  return (
    <figure className="photo" aria-busy={busy}>
      <div className="photo__frame">
        <PhotoImage
          className="photo__image"
          url={url}
          alt={alt}
          width={width}
          height={height}
          maxWidth="min(40rem, 85vw)"
          maxHeight="70vh"
        />
        {faces.map(({ index, box, match }) => (
          <div
            key={index}
            className={`face-box${match ? '' : ' is-unknown'}`}
            data-testid="face-box"
            aria-hidden="true"
            style={{
              left: percent(box.left, width),
              top: percent(box.top, height),
              width: percent(box.right - box.left, width),
              height: percent(box.bottom - box.top, height),
            }}
          >
            <span className="face-box__number">{index}</span>
          </div>
        ))}
        {busy && (
          <div className="photo__busy" role="status">
            <span className="spinner" aria-hidden="true" />
            Looking for faces…
          </div>
        )}
      </div>
    </figure>
  );
}
