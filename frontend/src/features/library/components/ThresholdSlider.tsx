import { useId } from 'react';
import { formatSimilarity } from './format';

type Props = {
  min: number;
  value: number;
  defaultValue: number;
  onChange: (value: number) => void;
};

export const STEP = 0.001;

/** The similarity a photo needs to be shown; it filters the answer already there, without a request. */
export function ThresholdSlider({ min, value, defaultValue, onChange }: Props) {
  const id = useId();
  const ticks = `${id}-ticks`;
  const span = 1 - min || 1;
  // Where the default sits on the track; the thumb's centre travels 8px in from each end.
  const at = (defaultValue - min) / span;
  return (
    <div className="threshold">
      <div className="threshold__head">
        <label htmlFor={id}>Similarity threshold</label>
        <output htmlFor={id} className="threshold__value">
          {formatSimilarity(value)}
        </output>
      </div>
      <div className="threshold__track">
        <input
          id={id}
          type="range"
          min={min}
          max={1}
          step={STEP}
          value={value}
          list={ticks}
          aria-valuetext={formatSimilarity(value)}
          onChange={(event) => onChange(Number(event.target.value))}
        />
        <datalist id={ticks}>
          <option value={defaultValue} />
        </datalist>
        <span className="threshold__default" style={{ left: `calc(8px + (100% - 16px) * ${at})` }}>
          default {formatSimilarity(defaultValue)}
        </span>
      </div>
      <button
        type="button"
        className="button is-secondary"
        onClick={() => onChange(defaultValue)}
        disabled={value === defaultValue}
      >
        Reset to default
      </button>
    </div>
  );
}
