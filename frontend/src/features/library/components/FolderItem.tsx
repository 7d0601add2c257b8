import { useState } from 'react';
import type { LibraryFolder } from '../api/library';
import { formatTime } from './format';

type Props = { folder: LibraryFolder; disabled: boolean; onIndex: () => void; onForget: () => void };

const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** One folder of the library: what is indexed, what was skipped, and the buttons to (re-)index or forget it. */
export function FolderItem({ folder, disabled, onIndex, onForget }: Props) {
  const [confirming, setConfirming] = useState(false);
  const { indexed, photos, faces, last_indexed, skipped } = folder;
  const name = folder.folder === '.' ? 'The library folder itself' : folder.folder;

  return (
    <li className="folder">
      <div className="folder__info">
        <h4 className="folder__name">{name}</h4>
        <p className="muted">
          {indexed ? (
            <>
              {count(photos, 'photo', 'photos')} · {count(faces, 'face', 'faces')}
              {last_indexed && (
                <>
                  {' · indexed '}
                  <time dateTime={last_indexed}>{formatTime(last_indexed)}</time>
                </>
              )}
            </>
          ) : (
            'Not indexed yet'
          )}
        </p>
        {skipped.length > 0 && (
          <details className="folder__skipped">
            <summary>{count(skipped.length, 'photo', 'photos')} skipped</summary>
            <ul className="skipped">
              {skipped.map((s) => (
                <li key={s.path}>
                  <strong>{s.path}</strong>: {s.reason}
                </li>
              ))}
            </ul>
          </details>
        )}
      </div>
      {confirming ? (
        <div className="folder__actions" role="group" aria-label={`Confirm forgetting ${name}`}>
          <p>Forget {name}? Its photos stay on disk.</p>
          <button
            type="button"
            className="button is-danger"
            disabled={disabled}
            onClick={() => {
              setConfirming(false);
              onForget();
            }}
          >
            Yes, forget
          </button>
          <button type="button" className="button is-secondary" onClick={() => setConfirming(false)} autoFocus>
            Cancel
          </button>
        </div>
      ) : (
        <div className="folder__actions">
          <button
            type="button"
            className="button"
            aria-label={`${indexed ? 'Re-index' : 'Index'} ${name}`}
            onClick={onIndex}
            disabled={disabled}
          >
            {indexed ? 'Re-index' : 'Index'}
          </button>
          {indexed && (
            <button
              type="button"
              className="button is-ghost"
              aria-label={`Forget ${name}`}
              onClick={() => setConfirming(true)}
              disabled={disabled}
            >
              Forget
            </button>
          )}
        </div>
      )}
    </li>
  );
}
