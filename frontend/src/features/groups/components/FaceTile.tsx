import { ApiImage } from '@/components/ApiImage';
import { formatTaken } from '@/lib/taken';
import type { GroupFace } from '../api/groups';
import { faceWhere } from './format';

type Props = { face: GroupFace; name: string | null; selected: boolean; onSelect: (selected: boolean) => void };

/** One face of a group: its crop, its photo's path and date, and a box to select it. */
export function FaceTile({ face, name, selected, onSelect }: Props) {
  const where = faceWhere(face);
  const taken = formatTaken(face.taken_at, face.taken_from);
  return (
    <li className={`group-face${selected ? ' is-selected' : ''}`}>
      <label className="group-face__label">
        <input
          type="checkbox"
          className="group-face__check"
          aria-label={`Select ${where}`}
          checked={selected}
          onChange={(event) => onSelect(event.target.checked)}
        />
        <ApiImage
          className="group-face__image"
          src={face.face_url}
          alt={name ? `${name} in ${where}` : `Face in ${where}`}
          loading="lazy"
        />
        <span className="group-face__path">{face.path}</span>
        {face.folder !== '.' && <span className="group-face__detail">{face.folder}</span>}
        {taken && <span className="group-face__detail">{taken}</span>}
      </label>
    </li>
  );
}
