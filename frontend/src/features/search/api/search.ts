import { apiFetch } from '@/lib/api';

export type FaceBox = { left: number; top: number; right: number; bottom: number };

export type Match = {
  person_id: string;
  name: string;
  photo_id: string;
  filename: string;
  certainty: number;
  photo_url: string;
};

export type Candidate = Match & { accepted: boolean };

export type Face = {
  index: number;
  box: FaceBox;
  match: Match | null;
  candidates: Candidate[];
};

export type SearchResult = { width: number; height: number; faces: Face[] };

export const DEFAULT_LIMIT = 1;
export const MORE_LIMIT = 5;

export function searchPhoto(photo: File, limit: number, signal?: AbortSignal): Promise<SearchResult> {
  const body = new FormData();
  body.append('photo', photo);
  return apiFetch<SearchResult>(`/api/search?limit=${limit}`, {
    method: 'POST',
    body,
    ...(signal ? { signal } : {}),
  });
}
