import type { LibraryJob } from '../api/library';
import { ProgressBar } from '../../../components/ProgressBar';

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
  return <ProgressBar label={`Indexing ${folder}`} done={done} total={total} unit="photos" />;
}
