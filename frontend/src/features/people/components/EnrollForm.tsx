import { useId, useRef, useState, type FormEvent } from 'react';
import { ACCEPT_ATTRIBUTE, refuseAny } from '@/lib/images';

type Props = {
  busy: boolean;
  onEnroll: (name: string, files: File[]) => Promise<boolean>;
  onRefuse: (message: string) => void;
};

export function EnrollForm({ busy, onEnroll, onRefuse }: Props) {
  const nameId = useId();
  const photosId = useId();
  const [name, setName] = useState('');
  const [files, setFiles] = useState<File[]>([]);
  const fileInput = useRef<HTMLInputElement>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const refusal = files.length === 0 ? 'Choose at least one photo of the person.' : refuseAny(files);
    if (refusal) return onRefuse(refusal);
    if (await onEnroll(name.trim(), files)) {
      setName('');
      setFiles([]);
      if (fileInput.current) fileInput.current.value = '';
    }
  };

  return (
    <form className="enroll" onSubmit={submit} aria-labelledby={`${nameId}-title`}>
      <h3 id={`${nameId}-title`}>Enroll a new person</h3>
      <div className="field">
        <label htmlFor={nameId}>Name</label>
        <input
          id={nameId}
          type="text"
          value={name}
          onChange={(e) => setName(e.target.value)}
          required
          maxLength={100}
          pattern=".*\S.*"
          autoComplete="off"
          placeholder="e.g. Ada Lovelace"
        />
      </div>
      <div className="field">
        <label htmlFor={photosId}>Photos</label>
        <input
          id={photosId}
          ref={fileInput}
          type="file"
          accept={ACCEPT_ATTRIBUTE}
          multiple
          onChange={(e) => setFiles(Array.from(e.target.files ?? []))}
        />
      </div>
      <button type="submit" className="button" disabled={busy}>
        {busy ? 'Saving…' : 'Enroll person'}
      </button>
    </form>
  );
}
