import { useId, useState, type ChangeEvent } from 'react';
import { ApiImage } from '@/components/ApiImage';
import { ACCEPT_ATTRIBUTE, refuseAny } from '@/lib/images';
import { addPhotos, deletePerson, deletePhoto, type Person } from '../api/people';
import type { usePeople } from '../api/use-people';

type Props = {
  person: Person;
  busy: boolean;
  change: ReturnType<typeof usePeople>['change'];
  onRefuse: (message: string) => void;
  onFindInPhotos?: FindInPhotos | undefined;
};

export type FindInPhotos = (person: Pick<Person, 'id' | 'name'>) => void;

function libraryPhotosText(count: number): string {
  if (count === 0) return 'Not in any library photo';
  return count === 1 ? 'In 1 library photo' : `In ${count} library photos`;
}

export function PersonCard({ person, busy, change, onRefuse, onFindInPhotos }: Props) {
  const addId = useId();
  const [confirming, setConfirming] = useState(false);
  const { id, name, photos, photo_count, library_photos } = person;
  const cover = photos[0];

  const onAdd = (event: ChangeEvent<HTMLInputElement>) => {
    const files = Array.from(event.target.files ?? []);
    event.target.value = '';
    const refusal = refuseAny(files);
    if (refusal) onRefuse(refusal);
    else if (files.length > 0) void change(() => addPhotos(id, files));
  };

  return (
    <li className="person">
      <div className="person__head">
        {cover ? (
          <ApiImage className="person__avatar" src={cover.photo_url} alt={`Photo of ${name}`} loading="lazy" />
        ) : (
          <span className="person__avatar" aria-hidden="true" />
        )}
        <div>
          <h3 className="person__name">{name}</h3>
          <p className="muted">{photo_count === 1 ? '1 photo' : `${photo_count} photos`}</p>
          {library_photos !== undefined && <p className="muted">{libraryPhotosText(library_photos)}</p>}
        </div>
      </div>
      <details className="person__photos">
        <summary>Photos of {name}</summary>
        <ul className="thumbs">
          {photos.map((photo) => (
            <li key={photo.id} className="thumb">
              <ApiImage src={photo.photo_url} alt={`${name}, ${photo.filename}`} loading="lazy" />
              {photos.length > 1 && (
                <button
                  type="button"
                  className="thumb__remove"
                  aria-label={`Remove photo ${photo.filename} of ${name}`}
                  disabled={busy}
                  onClick={() => void change(() => deletePhoto(id, photo.id), `Removed ${photo.filename} of ${name}.`)}
                >
                  ×
                </button>
              )}
            </li>
          ))}
        </ul>
      </details>
      {confirming ? (
        <div className="person__confirm" role="group" aria-label={`Confirm removing ${name}`}>
          <p>Remove {name} and all their photos?</p>
          <button
            type="button"
            className="button is-danger"
            disabled={busy}
            onClick={() => void change(() => deletePerson(id), `Removed ${name}.`)}
          >
            Yes, remove
          </button>
          <button type="button" className="button is-secondary" onClick={() => setConfirming(false)} autoFocus>
            Cancel
          </button>
        </div>
      ) : (
        <div className="person__actions">
          <input id={addId} className="visually-hidden" type="file" accept={ACCEPT_ATTRIBUTE} multiple onChange={onAdd} disabled={busy} />
          <label htmlFor={addId} className="button is-secondary">
            Add photos<span className="visually-hidden"> of {name}</span>
          </label>
          {onFindInPhotos && (
            <button
              type="button"
              className="button is-secondary"
              aria-label={`Find in photos: ${name}`}
              onClick={() => onFindInPhotos({ id, name })}
            >
              Find in photos
            </button>
          )}
          <button
            type="button"
            className="button is-ghost"
            aria-label={`Remove ${name}`}
            onClick={() => setConfirming(true)}
            disabled={busy}
          >
            Remove
          </button>
        </div>
      )}
    </li>
  );
}
