import { useId } from 'react';
import { useLibraryStatus } from '../api/use-library-status';
import { FolderItem } from './FolderItem';
import { JobProgress } from './JobProgress';

type Props = { pollMs?: number; watchPollMs?: number };

/** The library's folders, indexing them, the indexing job's progress, and which folders are watched. */
export function LibraryStatusPanel({ pollMs, watchPollMs }: Props) {
  const titleId = useId();
  const { status, loadError, actionError, busy, running, reload, index, forget } = useLibraryStatus(
    pollMs,
    watchPollMs,
  );
  const watcher = status?.watcher;
  const watching = watcher ? (watcher.watching ?? watcher.running) : false;

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
            {watching &&
              '. Indexed folders are watched: photos added, changed, moved or removed are indexed by themselves.'}
          </p>
          {watcher?.enabled && !watcher.running && (
            <p className="notice">
              The folder watcher is not running: changes on disk are indexed when a folder is re-indexed.
              {watcher.note && ` Its last word: ${watcher.note}`}
            </p>
          )}
          {watcher?.running && !watching && watcher.note && (
            <p className="notice">The folder watcher is not watching yet: {watcher.note}.</p>
          )}
          <ul className="folders" aria-label="Library folders">
            {status.folders.map((folder) => (
              <FolderItem
                key={folder.folder}
                folder={folder}
                changes={status.changes_job?.folder === folder.folder ? status.changes_job : null}
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
