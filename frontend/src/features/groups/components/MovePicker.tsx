import type { Group } from '../api/groups';
import { GroupCover } from './GroupCard';
import { count, groupCounts, groupLabel, groupName } from './format';

type Props = { faces: number; groups: Group[]; busy: boolean; onMove: (to: Group) => void; onCancel: () => void };

/** "Move to…": the groups the selected faces may join, each with its cover face. */
export function MovePicker({ faces, groups, busy, onMove, onCancel }: Props) {
  const what = count(faces, 'face', 'faces');
  return (
    <div className="group-move" role="group" aria-label={`Move ${what} to another group`}>
      <p>Move {what} to:</p>
      {groups.length === 0 ? (
        <p className="muted">There is no other group to move them to.</p>
      ) : (
        <ul className="group-move__list" aria-label="Groups to move to">
          {groups.map((group) => (
            <li key={group.id}>
              <button
                type="button"
                className="group-card is-small"
                aria-label={`Move to ${groupLabel(group)}`}
                disabled={busy}
                onClick={() => onMove(group)}
              >
                <GroupCover group={group} className="group-card__cover" />
                <span className="group-card__body">
                  <span className={`group-card__name${group.name ? '' : ' is-unnamed'}`}>{groupName(group)}</span>
                  <span className="muted">{groupCounts(group)}</span>
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <button type="button" className="button is-secondary" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}
