import { useState } from 'react';
import type { LibraryFolder, LibraryJob } from '../api/library';
import { formatTime } from './format';

type Props = {
  folder: LibraryFolder;
  /** The folder watcher's job under way or last, when it is this folder's. */
  changes?: LibraryJob | null;
  disabled: boolean;
  onIndex: () => void;
  onForget: () => void;
};

const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** What the folder watcher does with a watched folder: its job under way, what waits, or how its last job failed. */
function Watching({ folder, changes }: { folder: LibraryFolder; changes: LibraryJob | null | undefined }) {
  const { pending = 0, pending_whole = false } = folder;
  let doing = '';
  if (changes?.state === 'running') {
    doing = changes.total > 0 ? `indexing changes, ${changes.done} of ${changes.total} photos` : 'indexing changes';
  } else if (pending_whole) {
    doing = 'looking the whole folder over soon';
  }
  const waiting = pending > 0 ? `${count(pending, 'change', 'changes')} waiting` : '';
  const said = [doing, waiting].filter(Boolean).join(' · ');
  return (
    <>
      <p className="folder__watch">
        <span className="badge">Watched</span>
        {said && <span className="muted">{said}…</span>}
      </p>
      {changes?.state === 'failed' && (
        <p className="notice is-error">Indexing the changes failed: {changes.error ?? 'the reason is unknown.'}</p>
      )}
    </>
  );
}

/** One folder of the library: what is indexed, what was skipped, whether it is watched and what waits, and the
 * buttons to (re-)index or forget it. */
export function FolderItem({ folder, changes, disabled, onIndex, onForget }: Props) {
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
        {folder.watched && <Watching folder={folder} changes={changes} />}
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
