import type { LibraryJob } from '../api/library';
import { percent } from './format';

/** A running job's progress bar, or how the last job ended. */
export function JobProgress({ job }: { job: LibraryJob }) {
  const { folder, state, done, total } = job;
  if (state === 'done') {
    return (
      <p className="notice is-success" role="status">
        Indexed {folder}: {job.summary}
      </p>
    );
  }
  if (state === 'failed') {
    return (
      <p className="notice is-error" role="alert">
        Indexing {folder} failed: {job.error ?? 'the reason is unknown.'}
      </p>
    );
  }
  // Until the photos are counted, the bar has no value (an indeterminate progress bar).
  const counted = total > 0;
  return (
    <div className="job">
      <div
        className="progress"
        role="progressbar"
        aria-label={`Indexing ${folder}`}
        aria-valuemin={0}
        {...(counted ? { 'aria-valuenow': done, 'aria-valuemax': total, 'aria-valuetext': `${done} of ${total} photos` } : {})}
      >
        <span className="progress__bar" style={{ width: counted ? percent(done, total) : '0%' }} />
      </div>
      <p className="muted">
        Indexing {folder}… {counted && `${done} of ${total} photos`}
      </p>
    </div>
  );
}
