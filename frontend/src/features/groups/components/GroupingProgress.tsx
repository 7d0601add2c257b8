import { ProgressBar } from '../../../components/ProgressBar';
import type { GroupingJob } from '../api/groups';

/** A running regrouping's progress bar, or how the last one ended. */
export function GroupingProgress({ job }: { job: GroupingJob }) {
  const { state, done, total } = job;
  if (state === 'done') {
    return <p className="muted">Last grouped again: {job.summary ?? 'done.'}</p>;
  }
  if (state === 'failed') {
    return (
      <p className="notice is-error" role="alert">
        Grouping the faces again failed: {job.error ?? 'the reason is unknown.'}
      </p>
    );
  }
  return <ProgressBar label="Grouping the library’s faces again" done={done} total={total} unit="faces" />;
}
