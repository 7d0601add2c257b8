import { useId } from 'react';
import type { Group, Suggestion } from '../api/groups';
import { GroupCover } from './GroupCard';
import { groupCounts, groupLabel, groupName } from './format';

type Props = {
  suggestions: Suggestion[];
  busy: boolean;
  onSame: (suggestion: Suggestion) => void;
  onNotSame: (suggestion: Suggestion) => void;
};

/** "These two groups may be the same person": accept (merge) or dismiss (never suggested again). */
export function Suggestions({ suggestions, busy, onSame, onNotSame }: Props) {
  const titleId = useId();
  if (suggestions.length === 0) return null;
  return (
    <div className="suggestions" role="group" aria-labelledby={titleId}>
      <h3 id={titleId} className="results__title">
        May be the same person
      </h3>
      <ul className="suggestions__list" aria-label="Merge suggestions">
        {suggestions.map((suggestion) => {
          const { a, b, similarity } = suggestion;
          return (
            <li key={`${a.id} ${b.id}`}>
              <div className="suggestion" role="group" aria-label={`${groupLabel(a)} and ${groupLabel(b)}`}>
                <div className="suggestion__pair">
                  <SuggestedGroup group={a} />
                  <span className="tag" title="How alike the two groups' faces are">
                    {similarity.toFixed(2)}
                  </span>
                  <SuggestedGroup group={b} />
                </div>
                <div className="suggestion__actions">
                  <button type="button" className="button" disabled={busy} onClick={() => onSame(suggestion)}>
                    Same person
                  </button>
                  <button type="button" className="button is-secondary" disabled={busy} onClick={() => onNotSame(suggestion)}>
                    Not the same
                  </button>
                </div>
              </div>
            </li>
          );
        })}
      </ul>
    </div>
  );
}

function SuggestedGroup({ group }: { group: Group }) {
  return (
    <span className="suggestion__group">
      <GroupCover group={group} className="group-card__cover" />
      <span className={`group-card__name${group.name ? '' : ' is-unnamed'}`}>{groupName(group)}</span>
      <span className="muted">{groupCounts(group)}</span>
    </span>
  );
}

/** Which of the pair the other joins: a named group keeps its name (only one of a pair can have one), else the bigger. */
export function mergeTarget({ a, b }: Pick<Suggestion, 'a' | 'b'>): { into: Group; from: Group } {
  if (b.name && !a.name) return { into: b, from: a };
  if (a.name || a.faces >= b.faces) return { into: a, from: b };
  return { into: b, from: a };
}
