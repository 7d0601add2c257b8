import type { Notice } from '../api/use-people';

export function NoticeMessage({ notice }: { notice: Notice | null }) {
  if (!notice) return <div role="status" className="visually-hidden" />;
  if (notice.kind === 'error') {
    return (
      <p className="notice is-error" role="alert">
        {notice.text}
      </p>
    );
  }
  return (
    <div className="notice is-success" role="status">
      <p>{notice.text}</p>
      {notice.skipped && notice.skipped.length > 0 && (
        <>
          <p>Some photos were skipped:</p>
          <ul className="skipped">
            {notice.skipped.map((s) => (
              <li key={s.filename}>
                <strong>{s.filename}</strong>: {s.reason}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
