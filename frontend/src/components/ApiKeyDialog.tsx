import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent, type SyntheticEvent } from 'react';
import { setKeyPrompter, type KeyReason } from '@/lib/api-key';

type Ask = { id: number; reason: KeyReason; answer: (key: string | null) => void };

const PROBLEMS: Record<Exclude<KeyReason, 'missing'>, string> = {
  rejected: 'That API key was not accepted. Check it and enter it again, or make a new one.',
  'read-only': 'That API key may only read. Enter a key that may make changes.',
};

/** The page's one API key prompt: shown when the API refuses a request for want of a key (see lib/api-key). */
export function ApiKeyDialog() {
  const [ask, setAsk] = useState<Ask | null>(null);

  useEffect(
    () =>
      setKeyPrompter(
        (reason) => new Promise((answer) => setAsk((previous) => ({ id: (previous?.id ?? 0) + 1, reason, answer }))),
      ),
    [],
  );

  if (!ask) return null;
  const done = (key: string | null) => {
    setAsk(null);
    ask.answer(key);
  };
  return <KeyForm key={ask.id} reason={ask.reason} onDone={done} />;
}

function KeyForm({ reason, onDone }: { reason: KeyReason; onDone: (key: string | null) => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const inputId = useId();
  const aboutId = useId();
  const [value, setValue] = useState('');

  useEffect(() => {
    if (dialog.current && !dialog.current.open) dialog.current.showModal();
  }, []);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (value.trim()) onDone(value.trim());
  };
  const cancel = (event: SyntheticEvent) => {
    event.preventDefault();
    onDone(null);
  };
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape') cancel(event);
  };

  return (
    <dialog ref={dialog} className="key-dialog" aria-labelledby={titleId} aria-describedby={aboutId} onCancel={cancel} onKeyDown={onKeyDown}>
      <form className="key-dialog__form" onSubmit={submit}>
        <h2 id={titleId} className="key-dialog__title">
          API key needed
        </h2>
        {reason !== 'missing' && (
          <p className="notice is-error" role="alert">
            {PROBLEMS[reason]}
          </p>
        )}
        <p id={aboutId}>
          This server needs an API key for this. Paste the key <code>bash start.sh</code> printed the first time it
          ran, or make one with <code>python -m facesearch keys create</code>.
        </p>
        <div className="field">
          <label htmlFor={inputId}>API key</label>
          <input
            id={inputId}
            type="password"
            value={value}
            onChange={(e) => setValue(e.target.value)}
            required
            autoComplete="off"
            spellCheck={false}
            autoFocus
          />
        </div>
        <p className="muted">The key is kept in this tab only, until you close it.</p>
        <div className="key-dialog__buttons">
          <button type="submit" className="button">
            Use this key
          </button>
          <button type="button" className="button is-secondary" onClick={() => onDone(null)}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}
