import { useEffect, useId, useRef, type KeyboardEvent, type SyntheticEvent } from 'react';
import { ApiImage } from '@/components/ApiImage';
import { FULL_SIZE, imageSrc, type LibraryFace, type LibraryMatch } from '../api/library';
import { useLibraryPhoto } from '../api/use-library-photo';
import { boxStyle, formatSimilarity, sameBox } from './format';

type Props = { match: LibraryMatch; onClose: () => void };

/** A library photo, whole, with every face boxed and named; the face that was found stands out. */
export function PhotoDialog({ match, onClose }: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const state = useLibraryPhoto(match.photo_id);
  // Until the photo's faces arrive, the face that was found is the one face known.
  const faces: LibraryFace[] =
    state.status === 'done'
      ? state.photo.faces
      : [{ face_id: 'found', box: match.box, person_id: match.person_id, name: match.name }];

  useEffect(() => {
    if (dialog.current && !dialog.current.open) dialog.current.showModal();
  }, []);

  const cancel = (event: SyntheticEvent) => {
    event.preventDefault();
    onClose();
  };
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape') cancel(event);
  };

  return (
    <dialog ref={dialog} className="photo-dialog" aria-labelledby={titleId} onCancel={cancel} onKeyDown={onKeyDown}>
      <div className="photo-dialog__head">
        <div>
          <h2 id={titleId} className="photo-dialog__title">
            {match.path}
          </h2>
          <p className="muted">
            {match.folder === '.' ? 'Library folder' : match.folder} · similarity {formatSimilarity(match.similarity)}
          </p>
        </div>
        <button type="button" className="button is-secondary" onClick={onClose} autoFocus>
          Close
        </button>
      </div>
      <figure className="photo-dialog__figure">
        <div className="photo__frame">
          <ApiImage
            className="photo-dialog__image"
            src={imageSrc(match.image_url, FULL_SIZE)}
            alt={`${match.path}, with ${faces.length} ${faces.length === 1 ? 'face' : 'faces'} marked`}
          />
          {faces.map((face) => (
            <FaceBox key={face.face_id} face={face} found={sameBox(face.box, match.box)} width={match.width} height={match.height} />
          ))}
        </div>
        {state.status === 'done' && <FaceList faces={faces} found={match.box} />}
      </figure>
      {state.status === 'loading' && (
        <p className="muted" role="status">
          Loading the faces in this photo…
        </p>
      )}
      {state.status === 'error' && (
        <p className="notice is-error" role="alert">
          {state.message}
        </p>
      )}
    </dialog>
  );
}

type FaceBoxProps = { face: LibraryFace; found: boolean; width: number; height: number };

function FaceBox({ face, found, width, height }: FaceBoxProps) {
  return (
    <div
      className={`library-box${found ? ' is-match' : ''}${face.name ? '' : ' is-unknown'}`}
      data-testid="face-box"
      aria-hidden="true"
      style={boxStyle(face.box, width, height)}
    >
      {face.name && <span className="library-box__name">{face.name}</span>}
    </div>
  );
}

/** Who is in the photo, in words. */
function FaceList({ faces, found }: { faces: LibraryFace[]; found: LibraryFace['box'] }) {
  const unknown = faces.filter((face) => !face.name).length;
  return (
    <figcaption className="photo-dialog__caption">
      <ul className="photo-dialog__people" aria-label="People in this photo">
        {faces
          .filter((face) => face.name)
          .map((face) => (
            <li key={face.face_id} className={`tag${sameBox(face.box, found) ? ' is-accepted' : ''}`}>
              {face.name}
            </li>
          ))}
      </ul>
      <span className="muted">
        {unknown > 0 && `${unknown} ${unknown === 1 ? 'face' : 'faces'} not known. `}The face found is highlighted.
      </span>
    </figcaption>
  );
}
