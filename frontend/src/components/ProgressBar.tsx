/**
 * A job's progress: a bar and a line saying what is being done, `done` of `total` `unit` once counted. Until the
 * work is counted (`total` 0), the bar has no value (an indeterminate progress bar).
 */
export function ProgressBar({ label, done, total, unit }: { label: string; done: number; total: number; unit: string }) {
  const counted = total > 0;
  const text = `${done} of ${total} ${unit}`;
  return (
    <div className="job">
      <div
        className="progress"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        {...(counted ? { 'aria-valuenow': done, 'aria-valuemax': total, 'aria-valuetext': text } : {})}
      >
        <span className="progress__bar" style={{ width: counted ? `${(done / total) * 100}%` : '0%' }} />
      </div>
      <p className="muted">
        {label}… {counted && text}
      </p>
    </div>
  );
}
