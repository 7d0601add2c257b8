import { useId, type ChangeEvent } from 'react';
import { ACCEPT_ATTRIBUTE } from '@/lib/images';

type Props = { onFile: (file: File) => void; dragging: boolean; compact: boolean };

export function DropZone({ onFile, dragging, compact }: Props) {
  const id = useId();
  const onChange = (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (file) onFile(file);
  };
  return (
    <div className={`dropzone${dragging ? ' is-dragging' : ''}${compact ? ' is-compact' : ''}`}>
      <input id={id} className="visually-hidden" type="file" accept={ACCEPT_ATTRIBUTE} onChange={onChange} />
      <label htmlFor={id} className="dropzone__label">
        <svg className="dropzone__icon" viewBox="0 0 24 24" aria-hidden="true">
          <path d="M12 16V4m0 0-4 4m4-4 4 4M4 16v3a1 1 0 0 0 1 1h14a1 1 0 0 0 1-1v-3" />
        </svg>
        <span>
          <strong>{compact ? 'Choose another photo' : 'Choose a photo'}</strong>, drop it here or paste it
        </span>
      </label>
      <p className="dropzone__hint">JPEG, PNG, WebP, HEIC or AVIF</p>
    </div>
  );
}
