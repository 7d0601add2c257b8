import { useState } from 'react';
import type { LibraryConfig, LibraryMatch } from '../api/library';
import type { Found } from '../api/use-library-find';
import { photosFound } from './format';
import { MatchCard } from './MatchCard';
import { PhotoDialog } from './PhotoDialog';
import { ThresholdSlider } from './ThresholdSlider';

type Props = {
  found: Found;
  config: LibraryConfig;
  threshold: number;
  onThreshold: (value: number) => void;
  /** Whether the find was limited to days (the answer says so when nothing is found). */
  dated?: boolean;
};

type Opened = { match: LibraryMatch; opener: HTMLElement };

/** The photos found above the slider's threshold, in the API's order (best first, or by date); each opens the whole
 * photo. */
export function FindResults({ found, config, threshold, onThreshold, dated = false }: Props) {
  const [opened, setOpened] = useState<Opened | null>(null);
  const shown = found.matches.filter((m) => m.similarity >= threshold);
  const count = photosFound(shown.length, dated);

  const close = () => {
    opened?.opener.focus();
    setOpened(null);
  };

  return (
    <div className="found">
      <div className="results__header" aria-live="polite">
        <h3 className="results__title">{found.person ? `Photos of ${found.person.name}` : count}</h3>
        {found.person && <p className="muted">{count}</p>}
      </div>
      <ThresholdSlider
        min={config.library_threshold_min}
        value={threshold}
        defaultValue={config.library_threshold}
        onChange={onThreshold}
      />
      {shown.length > 0 && (
        <ol className="matches" aria-label="Photos found">
          {shown.map((match) => (
            <MatchCard key={match.photo_id} match={match} onOpen={(m, opener) => setOpened({ match: m, opener })} />
          ))}
        </ol>
      )}
      {opened && <PhotoDialog match={opened.match} onClose={close} />}
    </div>
  );
}
