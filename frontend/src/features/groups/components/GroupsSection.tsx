import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { dismissSuggestion, mergeGroups, regroup, type Group, type Suggestion } from '../api/groups';
import { useGroupChanges, useGroups, useSuggestions } from '../api/use-groups';
import { GroupCard } from './GroupCard';
import { GroupingProgress } from './GroupingProgress';
import { GroupView } from './GroupView';
import { Suggestions, mergeTarget } from './Suggestions';
import { count, groupName } from './format';

type Props = {
  /** How often to ask for progress while grouping, in ms (tests shorten it). */
  pollMs?: number;
  /** Called after a group was named (a person was enrolled, or got more faces). */
  onPeopleChanged?: (() => void) | undefined;
};

/** "People in your photos": the library's faces grouped into people, to name, merge, correct and hide. */
export function GroupsSection({ pollMs, onPeopleChanged }: Props) {
  const hiddenId = useId();
  const { list, loadError, running, hidden, setHidden, reload } = useGroups(pollMs);
  const { suggestions, loadError: suggestionsError, reload: reloadSuggestions } = useSuggestions();
  const refresh = useCallback(() => Promise.all([reload(), reloadSuggestions()]), [reload, reloadSuggestions]);
  const { busy, notice, change, clearNotice } = useGroupChanges(refresh);
  // Naming a group enrols a person, and a merge or a correction changes a person's faces: the page is told.
  const changePeople = useCallback<typeof change>(
    async (action, options) => {
      const outcome = await change(action, options);
      if (outcome.ok) onPeopleChanged?.();
      return outcome;
    },
    [change, onPeopleChanged],
  );
  const [openId, setOpenId] = useState<string | null>(null);
  // Counts the regroupings seen to end: the open group is shown afresh, and the suggestions are asked again.
  const [regrouped, setRegrouped] = useState(0);
  const wasRunning = useRef(running);
  useEffect(() => {
    if (wasRunning.current && !running) {
      setRegrouped((n) => n + 1);
      void reloadSuggestions();
    }
    wasRunning.current = running;
  }, [running, reloadSuggestions]);
  // The group last open, whose card gets the focus back when the list shows again.
  const [lastOpen, setLastOpen] = useState<string | null>(null);

  const open = useCallback(
    (id: string) => {
      clearNotice();
      setOpenId(id);
      setLastOpen(id);
    },
    [clearNotice],
  );
  const close = useCallback(() => setOpenId(null), []);

  const startGrouping = () => change(() => regroup());
  const same = (suggestion: Suggestion) => {
    const { into, from } = mergeTarget(suggestion);
    return changePeople(() => mergeGroups(into.id, [from.id]), {
      done: ({ group }) => `Merged the two groups: ${groupName(group)}, ${count(group.faces, 'face', 'faces')}.`,
    });
  };
  const notSame = ({ a, b }: Suggestion) =>
    change(() => dismissSuggestion(a.id, b.id), { done: () => 'They will not be suggested again.' });

  const groups = list?.groups ?? [];
  return (
    <section className="panel groups" id="groups" aria-labelledby="groups-title">
      <h2 id="groups-title">
        People in your photos {list && !hidden && <span className="count">{groups.length}</span>}
      </h2>
      <p className="muted">
        The faces of the library’s photos, grouped by person. Name a group to make them a person the search knows.
      </p>
      {list?.grouping && <GroupingProgress job={list.grouping} />}
      {notice && (
        <p className={`notice is-${notice.kind}`} role={notice.kind === 'error' ? 'alert' : 'status'}>
          {notice.text}
        </p>
      )}
      {loadError && (
        <div className="notice is-error" role="alert">
          <p>{loadError}</p>
          <button type="button" className="button is-secondary" onClick={() => void reload()}>
            Try again
          </button>
        </div>
      )}
      {openId ? (
        <GroupView
          key={`${openId} ${regrouped}`}
          id={openId}
          groups={groups}
          busy={busy}
          change={changePeople}
          onOpen={open}
          onClose={close}
        />
      ) : (
        <>
          <div className="groups__toolbar">
            <span className="groups__toggle">
              <input id={hiddenId} type="checkbox" checked={hidden} onChange={(event) => setHidden(event.target.checked)} />
              <label htmlFor={hiddenId}>Show hidden groups</label>
            </span>
            <button type="button" className="button is-secondary" onClick={() => void refresh()} disabled={busy}>
              Refresh
            </button>
            <button type="button" className="button" onClick={() => void startGrouping()} disabled={busy || running}>
              Group again
            </button>
          </div>
          {!hidden && suggestions && (
            <Suggestions
              suggestions={suggestions}
              busy={busy}
              onSame={(s) => void same(s)}
              onNotSame={(s) => void notSame(s)}
            />
          )}
          {!hidden && suggestionsError && !loadError && <p className="muted">{suggestionsError}</p>}
          {list === null && !loadError && <p role="status">Loading the groups…</p>}
          {list && <GroupList groups={groups} hidden={hidden} minFaces={list.min_faces} focusId={lastOpen} onOpen={open} />}
          {list && !hidden && list.ungrouped > 0 && (
            <p className="muted">{count(list.ungrouped, 'face is', 'faces are')} in no group yet.</p>
          )}
        </>
      )}
    </section>
  );
}

type ListProps = {
  groups: Group[];
  hidden: boolean;
  minFaces: number;
  focusId: string | null;
  onOpen: (id: string) => void;
};

function GroupList({ groups, hidden, minFaces, focusId, onOpen }: ListProps) {
  if (groups.length === 0) {
    return (
      <p className="muted">
        {hidden
          ? 'No group is hidden.'
          : 'No groups yet. Index a folder under “Find in photos”: its faces are grouped here by person.'}
      </p>
    );
  }
  return (
    <>
      <p className="muted">
        {hidden ? 'Hidden groups' : `Groups of ${minFaces} faces or more`}, biggest first.
      </p>
      <ul className="groups__list" aria-label={hidden ? 'Hidden groups' : 'Groups'}>
        {groups.map((group) => (
          <GroupCard key={group.id} group={group} focus={group.id === focusId} onOpen={(g) => onOpen(g.id)} />
        ))}
      </ul>
    </>
  );
}
