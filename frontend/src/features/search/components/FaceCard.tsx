import { ApiImage } from '@/components/ApiImage';
import type { Face } from '../api/search';
import { CandidateList } from './CandidateList';
import { FaceThumb } from './FaceThumb';
import { formatCertainty } from './format';

type Props = { face: Face; photoUrl: string; width: number; height: number; showCandidates: boolean };

export function FaceCard({ face, photoUrl, width, height, showCandidates }: Props) {
  const { index, match } = face;
  return (
    <li className={`face-card${match ? '' : ' is-unknown'}`}>
      <div className="face-card__pair">
        <span className="face-card__number" aria-hidden="true">
          {index}
        </span>
        <FaceThumb url={photoUrl} box={face.box} width={width} height={height} label={`Face ${index} in your photo`} />
        {match && (
          <>
            <span className="face-card__arrow" aria-hidden="true">
              →
            </span>
            <ApiImage className="face-card__match-photo" src={match.photo_url} alt={`Enrolled photo of ${match.name} that matched`} />
          </>
        )}
      </div>
      <div className="face-card__body">
        <h3 className="face-card__name">
          <span className="visually-hidden">Face {index}:</span> {match ? match.name : 'Unknown person'}
        </h3>
        <p className="face-card__detail">
          {match ? (
            <>
              Certainty <strong>{formatCertainty(match.certainty)}</strong>
            </>
          ) : (
            'Nobody enrolled looks enough like this face.'
          )}
        </p>
        {showCandidates && <CandidateList faceIndex={index} candidates={face.candidates} />}
      </div>
    </li>
  );
}
