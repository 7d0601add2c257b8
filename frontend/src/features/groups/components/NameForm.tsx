import { useId, useState, type FormEvent } from 'react';

type Props = {
  /** The group's name now ('' for an unnamed group). */
  initial: string;
  busy: boolean;
  /** The name given that is an enrolled person's: asks whether to add the faces to them. */
  existing: string | null;
  onName: (name: string, merge: boolean) => void;
  onCancel: () => void;
  /** The person said no to adding the faces to the enrolled person: back to the name field. */
  onKeepApart: () => void;
};

/** Names a group (which enrols that person); a name that is an enrolled person's asks first to add the faces to them. */
export function NameForm({ initial, busy, existing, onName, onCancel, onKeepApart }: Props) {
  const inputId = useId();
  const [value, setValue] = useState(initial);

  if (existing) {
    return (
      <div className="group-view__confirm" role="group" aria-label={`Confirm adding these faces to ${existing}`}>
        <p>
          {existing} is already enrolled. Add these faces to {existing}?
        </p>
        <button type="button" className="button" disabled={busy} onClick={() => onName(existing, true)}>
          Yes, add them
        </button>
        <button type="button" className="button is-secondary" onClick={onKeepApart} autoFocus>
          Cancel
        </button>
      </div>
    );
  }

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const name = value.trim();
    if (name) onName(name, false);
  };
  return (
    <form className="group-name" onSubmit={submit}>
      <div className="field">
        <label htmlFor={inputId}>Name</label>
        <input
          id={inputId}
          value={value}
          onChange={(event) => setValue(event.target.value)}
          required
          autoComplete="off"
          autoFocus
        />
      </div>
      <button type="submit" className="button" disabled={busy}>
        Save name
      </button>
      <button type="button" className="button is-secondary" onClick={onCancel}>
        Cancel
      </button>
    </form>
  );
}
