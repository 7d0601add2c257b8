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
  // Until the faces are counted, the bar has no value (an indeterminate progress bar).
  const counted = total > 0;
  return (
    <div className="job">
      <div
        className="progress"
        role="progressbar"
        aria-label="Grouping faces"
        aria-valuemin={0}
        {...(counted ? { 'aria-valuenow': done, 'aria-valuemax': total, 'aria-valuetext': `${done} of ${total}` } : {})}
      >
        <span className="progress__bar" style={{ width: counted ? `${(done / total) * 100}%` : '0%' }} />
      </div>
      <p className="muted">
        Grouping the library’s faces again… {counted && `${done} of ${total}`}
      </p>
    </div>
  );
}
