import { useEffect, useId, useRef, useState } from 'react';
import { hideGroup, isPersonExists, moveFaces, nameGroup, removeFaces, type Group } from '../api/groups';
import { useGroup, type useGroupChanges } from '../api/use-groups';
import { FaceTile } from './FaceTile';
import { GroupCover } from './GroupCard';
import { MovePicker } from './MovePicker';
import { NameForm } from './NameForm';
import { count, groupCounts, groupName } from './format';

type Props = {
  id: string;
  /** The groups the selected faces may be moved to. */
  groups: Group[];
  busy: boolean;
  change: ReturnType<typeof useGroupChanges>['change'];
  /** Opens another group (the enrolled person's, after the faces were added to them). */
  onOpen: (id: string) => void;
  onClose: () => void;
};

type Mode = 'faces' | 'naming' | 'moving';

/** An open group: its faces in a grid, to select and correct ("Not this person", "Move to…"), and the group's name
 * and visibility. */
export function GroupView({ id, groups, busy, change, onOpen, onClose }: Props) {
  const { detail, loadError, reload } = useGroup(id);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [mode, setMode] = useState<Mode>('faces');
  const [existing, setExisting] = useState<string | null>(null);
  const title = useRef<HTMLHeadingElement>(null);

  const loaded = detail !== null;
  useEffect(() => {
    title.current?.focus();
  }, [id, loaded]);

  const group = detail?.group;
  const faces = detail?.faces ?? [];
  // Only faces still in the group count as selected (after a reload, some may have left it).
  const chosen = faces.filter((face) => selected.has(face.face_id)).map((face) => face.face_id);
  const afterShrink = ({ group: left }: { group: Group }) => (left.faces === 0 ? onClose() : reload());

  const name = async (text: string, merge: boolean) => {
    const outcome = await change(() => nameGroup(id, text, merge), {
      done: ({ group: named }) =>
        merge ? `Added these faces to ${named.name ?? text}.` : `Named this group ${named.name ?? text}.`,
      then: ({ group: named }) => (named.id === id ? reload() : onOpen(named.id)),
      quiet: isPersonExists,
    });
    if (outcome.ok) {
      setExisting(null);
      setMode('faces');
    } else {
      setExisting(isPersonExists(outcome.error) ? text : null);
    }
  };

  const remove = async () => {
    const outcome = await change(() => removeFaces(id, chosen), {
      done: ({ removed }) => `Took ${count(removed, 'face', 'faces')} out of this group.`,
      then: afterShrink,
    });
    if (outcome.ok) setSelected(new Set());
  };

  const move = async (to: Group) => {
    const outcome = await change(() => moveFaces(id, chosen, to.id), {
      done: ({ moved, to: joined }) => `Moved ${count(moved, 'face', 'faces')} to ${groupName(joined)}.`,
      then: afterShrink,
    });
    if (outcome.ok) {
      setSelected(new Set());
      setMode('faces');
    }
  };

  const hide = (hidden: boolean) =>
    change(() => hideGroup(id, hidden), {
      done: ({ group: changed }) =>
        changed.hidden
          ? 'This group is hidden: its faces stay findable, and “Show hidden groups” lists it.'
          : 'This group is shown again.',
      then: () => reload(),
    });

  return (
    <div className="group-view">
      <div className="group-view__head">
        {group && <GroupCover group={group} className="group-view__cover" />}
        <div className="group-view__title-block">
          <h3 ref={title} className="group-view__title" tabIndex={-1}>
            {group ? groupName(group) : 'Group'}
          </h3>
          {group && (
            <p className="muted">
              {groupCounts(group)} {group.hidden && <span className="badge is-muted">Hidden</span>}
            </p>
          )}
        </div>
        <div className="group-view__actions">
          {group && (
            <>
              <button type="button" className="button is-secondary" disabled={busy} onClick={() => setMode('naming')}>
                Name…
              </button>
              <button type="button" className="button is-secondary" disabled={busy} onClick={() => void hide(!group.hidden)}>
                {group.hidden ? 'Show again' : 'Hide'}
              </button>
            </>
          )}
          <button type="button" className="button is-secondary" onClick={onClose}>
            All groups
          </button>
        </div>
      </div>
      {group && mode === 'naming' && (
        <NameForm
          initial={group.name ?? ''}
          busy={busy}
          existing={existing}
          onName={(text, merge) => void name(text, merge)}
          onCancel={() => setMode('faces')}
          onKeepApart={() => setExisting(null)}
        />
      )}
      {loadError && (
        <p className="notice is-error" role="alert">
          {loadError}
        </p>
      )}
      {!detail && !loadError && <p role="status">Loading the faces…</p>}
      {group && faces.length > 0 && (
        <>
          <SelectionBar
            total={faces.length}
            chosen={chosen.length}
            busy={busy}
            onSelectAll={(all) => setSelected(new Set(all ? faces.map((face) => face.face_id) : []))}
            onRemove={() => void remove()}
            onMove={() => setMode('moving')}
          />
          {mode === 'moving' && chosen.length > 0 && (
            <MovePicker
              faces={chosen.length}
              groups={groups.filter((other) => other.id !== id)}
              busy={busy}
              onMove={(to) => void move(to)}
              onCancel={() => setMode('faces')}
            />
          )}
          <ul className="group-faces" aria-label="Faces in this group">
            {faces.map((face) => (
              <FaceTile
                key={face.face_id}
                face={face}
                name={group.name}
                selected={selected.has(face.face_id)}
                onSelect={(on) =>
                  setSelected((previous) => {
                    const next = new Set(previous);
                    if (on) next.add(face.face_id);
                    else next.delete(face.face_id);
                    return next;
                  })
                }
              />
            ))}
          </ul>
        </>
      )}
      {group && faces.length === 0 && <p className="muted">No face is left in this group.</p>}
    </div>
  );
}

type BarProps = {
  total: number;
  chosen: number;
  busy: boolean;
  onSelectAll: (all: boolean) => void;
  onRemove: () => void;
  onMove: () => void;
};

/** Select all, how many are selected, and what can be done with them. */
function SelectionBar({ total, chosen, busy, onSelectAll, onRemove, onMove }: BarProps) {
  const allId = useId();
  const all = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (all.current) all.current.indeterminate = chosen > 0 && chosen < total;
  }, [chosen, total]);
  const none = chosen === 0;
  return (
    <div className="group-view__bar" role="group" aria-label="Selected faces">
      <span className="group-view__select-all">
        <input
          id={allId}
          ref={all}
          type="checkbox"
          checked={chosen === total}
          onChange={(event) => onSelectAll(event.target.checked)}
        />
        <label htmlFor={allId}>Select all</label>
      </span>
      <span className="muted" aria-live="polite">
        {none ? 'Select the faces that are not this person.' : `${count(chosen, 'face', 'faces')} selected`}
      </span>
      <button type="button" className="button is-secondary" disabled={busy || none} onClick={onRemove}>
        Not this person
      </button>
      <button type="button" className="button is-secondary" disabled={busy || none} onClick={onMove}>
        Move to…
      </button>
    </div>
  );
}
