import { ApiImage } from '@/components/ApiImage';
import type { Group } from '../api/groups';
import { groupCounts, groupLabel, groupName } from './format';

type Props = { group: Group; onOpen: (group: Group) => void; focus?: boolean };

/** A group in the list: its cover face, its name (or "Unnamed") and counts; opens the group. */
export function GroupCard({ group, onOpen, focus = false }: Props) {
  return (
    <li>
      <button
        type="button"
        className="group-card"
        aria-label={`Open ${groupLabel(group)} in ${group.photos === 1 ? '1 photo' : `${group.photos} photos`}`}
        onClick={() => onOpen(group)}
        autoFocus={focus}
      >
        <GroupCover group={group} className="group-card__cover" />
        <span className="group-card__body">
          <span className={`group-card__name${group.name ? '' : ' is-unnamed'}`}>{groupName(group)}</span>
          <span className="muted">{groupCounts(group)}</span>
          {group.hidden && <span className="badge is-muted">Hidden</span>}
        </span>
      </button>
    </li>
  );
}

/** A group's best face, or an empty circle for a group without one. */
export function GroupCover({ group, className }: { group: Group; className: string }) {
  if (!group.cover) return <span className={className} aria-hidden="true" />;
  return <ApiImage className={className} src={group.cover.face_url} alt="" loading="lazy" />;
}
