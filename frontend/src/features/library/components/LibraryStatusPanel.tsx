import { useId } from 'react';
import { useLibraryStatus } from '../api/use-library-status';
import { FolderItem } from './FolderItem';
import { JobProgress } from './JobProgress';

type Props = { pollMs?: number };

/** The library's folders, indexing them, and the indexing job's progress. */
export function LibraryStatusPanel({ pollMs }: Props) {
  const titleId = useId();
  const { status, loadError, actionError, busy, running, reload, index, forget } = useLibraryStatus(pollMs);

  return (
    <div className="library" role="group" aria-labelledby={titleId}>
      <div className="results__header">
        <h3 id={titleId} className="results__title">
          Library
        </h3>
        <button type="button" className="button is-secondary" onClick={() => void reload()} disabled={busy}>
          Refresh
        </button>
      </div>
      {loadError && (
        <p className="notice is-error" role="alert">
          {loadError}
        </p>
      )}
      {status === null && !loadError && <p role="status">Loading the library…</p>}
      {status?.job && <JobProgress job={status.job} />}
      {actionError && (
        <p className="notice is-error" role="alert">
          {actionError}
        </p>
      )}
      {status?.folders.length === 0 && (
        <p className="muted">
          Put a folder of photos in <code>{status.root}</code>, then index it here.
        </p>
      )}
      {status && status.folders.length > 0 && (
        <>
          <p className="muted">
            Folders in <code>{status.root}</code>
          </p>
          <ul className="folders" aria-label="Library folders">
            {status.folders.map((folder) => (
              <FolderItem
                key={folder.folder}
                folder={folder}
                disabled={busy || running}
                onIndex={() => void index(folder.folder)}
                onForget={() => void forget(folder.folder)}
              />
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
