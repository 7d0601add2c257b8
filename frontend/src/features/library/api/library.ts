import { ApiError, apiFetch } from '@/lib/api';

/** Pixels of the EXIF-oriented photo; left/top inclusive, right/bottom exclusive. */
export type Box = { left: number; top: number; right: number; bottom: number };

export type LibraryConfig = { library_threshold: number; library_threshold_min: number };

export type SkippedPhoto = { path: string; reason: string };

export type LibraryFolder = {
  folder: string;
  indexed: boolean;
  photos: number;
  faces: number;
  last_indexed: string | null;
  skipped: SkippedPhoto[];
  /** Indexed, and the folder watcher runs: what changes on disk is indexed by itself. */
  watched?: boolean;
  /** Changed photos the watcher reported, waiting for their job. */
  pending?: number;
  /** The whole folder waits to be looked at again (the watcher started, or a folder in it came or went). */
  pending_whole?: boolean;
};

export type LibraryJob = {
  folder: string;
  state: 'running' | 'done' | 'failed';
  done: number;
  total: number;
  summary: string | null;
  error: string | null;
  /** index: someone asked for the folder to be indexed; changes: the folder watcher saw changes in it. */
  kind?: 'index' | 'changes';
};

/**
 * The folder watcher: on (FACESEARCH_WATCH), running (it reported lately), when it last reported, what it said it
 * does, whether it watches the library folder (it runs and said so), and its last sentence about itself.
 */
export type LibraryWatcher = {
  enabled: boolean;
  running: boolean;
  last_seen: string | null;
  state?: 'watching' | 'waiting' | 'failed' | null;
  watching?: boolean;
  note?: string | null;
};

export type LibraryStatus = {
  root: string;
  folders: LibraryFolder[];
  job: LibraryJob | null;
  /** The folder watcher's job under way, or its last one. */
  changes_job?: LibraryJob | null;
  watcher?: LibraryWatcher | null;
};

/**
 * When a photo was taken: a wall-clock time without a zone ("2024-03-12T14:30:00"), from the camera's clock (its EXIF
 * block) or, for a photo without one, its file's time; null for a photo indexed before dates were kept.
 */
export type Taken = { taken_at: string | null; taken_from: 'camera' | 'file' | null };

/** One library photo in which the face was found (its best face). */
export type LibraryMatch = Taken & {
  photo_id: string;
  folder: string;
  path: string;
  similarity: number;
  box: Box;
  person_id: string | null;
  name: string | null;
  width: number;
  height: number;
  image_url: string;
};

export type QueryFace = { index: number; box: Box };

export type PhotoFindResult = {
  width: number;
  height: number;
  faces: QueryFace[];
  query: number;
  note: string | null;
  threshold: number;
  matches: LibraryMatch[];
};

export type PersonRef = { id: string; name: string };

export type PersonFindResult = { person: PersonRef; threshold: number; matches: LibraryMatch[] };

export type LibraryFace = { face_id: string; box: Box; person_id: string | null; name: string | null };

export type LibraryPhoto = Partial<Taken> & {
  photo_id: string;
  folder: string;
  path: string;
  width: number;
  height: number;
  image_url: string;
  faces: LibraryFace[];
};

/** Longer side of the photos in the results grid and in the photo dialog, in pixels. */
export const THUMB_SIZE = 320;
export const FULL_SIZE = 1600;

/** Best match first (the API's default), or newest or oldest photo first (photos without a date last). */
export type FindSort = 'match' | 'newest' | 'oldest';

/** Which photos a find returns and in which order: taken from day `since` to day `until`, both included
 * (YYYY-MM-DD, as a date input gives them; '' for no bound). */
export type FindFilters = { since: string; until: string; sort: FindSort };

export const ANY_TIME: FindFilters = { since: '', until: '', sort: 'match' };

/** The filters as the API's query parameters: only those that narrow or reorder. */
function filterParams(query: URLSearchParams, { since, until, sort }: FindFilters): URLSearchParams {
  if (since) query.set('since', since);
  if (until) query.set('until', until);
  if (sort !== 'match') query.set('sort', sort);
  return query;
}

const signalInit = (signal?: AbortSignal): RequestInit => (signal ? { signal } : {});

/** A folder name (`holiday/2024`) as URL path segments. */
const folderPath = (folder: string) => folder.split('/').map(encodeURIComponent).join('/');

/** The photo's image, its longer side at most `size` pixels. */
export function imageSrc(imageUrl: string, size: number): string {
  return `${imageUrl}${imageUrl.includes('?') ? '&' : '?'}size=${size}`;
}

export async function getLibraryConfig(): Promise<LibraryConfig> {
  const config = await apiFetch<Partial<LibraryConfig>>('/api/config');
  const { library_threshold, library_threshold_min } = config;
  if (typeof library_threshold !== 'number' || typeof library_threshold_min !== 'number') {
    throw new ApiError('The server has no photo library settings. Is it up to date?', 'unknown', 200);
  }
  return { library_threshold, library_threshold_min };
}

export function getLibrary(signal?: AbortSignal): Promise<LibraryStatus> {
  return apiFetch<LibraryStatus>('/api/library', signalInit(signal));
}

export function startIndexing(folder: string): Promise<LibraryJob> {
  return apiFetch<LibraryJob>('/api/library/index', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ folder }),
  });
}

export function forgetFolder(folder: string): Promise<void> {
  return apiFetch<void>(`/api/library/folders/${folderPath(folder)}`, { method: 'DELETE' });
}

/** Every library photo with the photo's face (face `face`, or the largest) at `threshold` or above. */
export function findByPhoto(
  photo: File,
  threshold: number,
  face: number | null,
  filters: FindFilters = ANY_TIME,
  signal?: AbortSignal,
) {
  const body = new FormData();
  body.append('photo', photo);
  const query = new URLSearchParams({ threshold: String(threshold) });
  if (face !== null) query.set('face', String(face));
  filterParams(query, filters);
  return apiFetch<PhotoFindResult>(`/api/library/find?${query}`, { method: 'POST', body, ...signalInit(signal) });
}

/** Every library photo with one of the enrolled person's faces at `threshold` or above. */
export function findByPerson(personId: string, threshold: number, filters: FindFilters = ANY_TIME, signal?: AbortSignal) {
  const query = filterParams(new URLSearchParams({ person: personId, threshold: String(threshold) }), filters);
  return apiFetch<PersonFindResult>(`/api/library/find?${query}`, signalInit(signal));
}

export function getLibraryPhoto(photoId: string, signal?: AbortSignal): Promise<LibraryPhoto> {
  return apiFetch<LibraryPhoto>(`/api/library/photos/${encodeURIComponent(photoId)}`, signalInit(signal));
}
