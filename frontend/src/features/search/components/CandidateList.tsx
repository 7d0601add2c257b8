import { ApiImage } from '@/components/ApiImage';
import type { Candidate } from '../api/search';
import { formatCertainty } from './format';

export function CandidateList({ faceIndex, candidates }: { faceIndex: number; candidates: Candidate[] }) {
  if (candidates.length === 0) return <p className="muted">Nobody is enrolled yet.</p>;
  return (
    <ol className="candidates" aria-label={`Closest people to face ${faceIndex}`}>
      {candidates.map((c) => (
        <li key={c.photo_id} className="candidate">
          <ApiImage className="candidate__photo" src={c.photo_url} alt={`Enrolled photo of ${c.name}`} loading="lazy" />
          <span className="candidate__name">{c.name}</span>
          <span className={`tag${c.accepted ? ' is-accepted' : ''}`}>
            {formatCertainty(c.certainty)}
            <span className="visually-hidden">{c.accepted ? ', a match' : ', below the threshold'}</span>
          </span>
        </li>
      ))}
    </ol>
  );
}
