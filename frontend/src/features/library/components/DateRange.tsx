import { useId } from 'react';
import type { FindFilters, FindSort } from '../api/library';
import { daysProblem } from '../api/use-library-find';

type Props = { filters: FindFilters; onChange: (filters: FindFilters) => void };

const SORTS: { value: FindSort; label: string }[] = [
  { value: 'match', label: 'Best match first' },
  { value: 'newest', label: 'Newest first' },
  { value: 'oldest', label: 'Oldest first' },
];

/** The days the photos were taken in (both included; either may be left empty) and the order they are shown in. */
export function DateRange({ filters, onChange }: Props) {
  const id = useId();
  const problem = daysProblem(filters);
  return (
    <fieldset className="date-range" aria-describedby={problem ? `${id}-problem` : undefined}>
      <legend>When the photos were taken</legend>
      <div className="field">
        <label htmlFor={`${id}-since`}>From</label>
        <input
          id={`${id}-since`}
          type="date"
          value={filters.since}
          max={filters.until || undefined}
          onChange={(event) => onChange({ ...filters, since: event.target.value })}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-until`}>To</label>
        <input
          id={`${id}-until`}
          type="date"
          value={filters.until}
          min={filters.since || undefined}
          onChange={(event) => onChange({ ...filters, until: event.target.value })}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-sort`}>Order</label>
        <select
          id={`${id}-sort`}
          value={filters.sort}
          onChange={(event) => onChange({ ...filters, sort: event.target.value as FindSort })}
        >
          {SORTS.map(({ value, label }) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </div>
      {problem && (
        <p className="notice is-error date-range__problem" id={`${id}-problem`} role="alert">
          {problem}
        </p>
      )}
    </fieldset>
  );
}
