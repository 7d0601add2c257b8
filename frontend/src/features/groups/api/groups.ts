/** /api/library/groups: the library's faces grouped into people, and the corrections of those groups (docs/api.md,
 * "People in your photos"). Every change needs a write key: apiFetch sends the tab's key and asks for one when refused. */

import { ApiError, apiFetch } from '@/lib/api';

/** Pixels of the EXIF-oriented photo; left/top inclusive, right/bottom exclusive. */
export type Box = { left: number; top: number; right: number; bottom: number };

/** The group's best face (the widest of those nearest its centre). */
export type GroupCover = { face_id: string; face_url: string };

/** A group of faces, one person as far as the faces show. Named groups are enrolled people (`person_id`). */
export type Group = {
  id: string;
  name: string | null;
  person_id: string | null;
  faces: number;
  photos: number;
  hidden: boolean;
  cover: GroupCover | null;
};

/** The regrouping job under way, or the last one (as `job` in GET /api/library, kind `regroup`). */
export type GroupingJob = {
  state: 'running' | 'done' | 'failed';
  done: number;
  total: number;
  summary: string | null;
  error: string | null;
  kind?: string;
  folder?: string | null;
};

export type GroupList = {
  groups: Group[];
  /** Faces wide enough to group that are in no group. */
  ungrouped: number;
  /** The smallest group listed, in faces. */
  min_faces: number;
  grouping: GroupingJob | null;
};

/** One face of a group, and the photo it is in. `taken_at` is a wall-clock time without a zone. */
export type GroupFace = {
  face_id: string;
  photo_id: string;
  folder: string;
  path: string;
  box: Box;
  width: number;
  height: number;
  image_url: string;
  face_url: string;
  taken_at: string | null;
  taken_from: 'camera' | 'file' | null;
};

export type GroupDetail = { group: Group; faces: GroupFace[] };

export type Suggestion = { a: Group; b: Group; similarity: number };

const json = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify(body),
});

const groupPath = (id: string) => `/api/library/groups/${encodeURIComponent(id)}`;

/** The code of the 409 a group named after an enrolled person gets without `merge`. */
export const PERSON_EXISTS = 'person_exists';

/** Whether `error` says the name is an enrolled person's (naming again with `merge` adds the faces to them). */
export function isPersonExists(error: unknown): boolean {
  return error instanceof ApiError && error.code === PERSON_EXISTS;
}

/** The groups, biggest first; `hidden`: the hidden groups instead of the shown ones. */
export function getGroups({ hidden = false }: { hidden?: boolean } = {}): Promise<GroupList> {
  return apiFetch<GroupList>(`/api/library/groups${hidden ? '?hidden=true' : ''}`);
}

/** One group and every face in it, newest photo first. */
export function getGroup(id: string): Promise<GroupDetail> {
  return apiFetch<GroupDetail>(groupPath(id));
}

/** Names the group (it becomes that person); `merge` adds it to the enrolled person of that name. */
export function nameGroup(id: string, name: string, merge = false): Promise<{ group: Group }> {
  return apiFetch<{ group: Group }>(`${groupPath(id)}/name`, json({ name, merge }));
}

/** Every face of the `from` groups joins `into`. */
export function mergeGroups(into: string, from: string[]): Promise<{ group: Group }> {
  return apiFetch<{ group: Group }>('/api/library/groups/merge', json({ into, from }));
}

/** "Not this person": the faces leave the group and never join it again. */
export function removeFaces(id: string, faces: string[]): Promise<{ group: Group; removed: number }> {
  return apiFetch<{ group: Group; removed: number }>(`${groupPath(id)}/remove`, json({ faces }));
}

/** The faces leave the group for good and join `to`. */
export function moveFaces(id: string, faces: string[], to: string): Promise<{ group: Group; to: Group; moved: number }> {
  return apiFetch<{ group: Group; to: Group; moved: number }>(`${groupPath(id)}/move`, json({ faces, to }));
}

/** Hides the group from lists and suggestions, or shows it again. */
export function hideGroup(id: string, hidden: boolean): Promise<{ group: Group }> {
  return apiFetch<{ group: Group }>(`${groupPath(id)}/hide`, json({ hidden }));
}

/** Pairs of groups that may be one person, most alike first. */
export async function getSuggestions(): Promise<Suggestion[]> {
  const { suggestions } = await apiFetch<{ suggestions: Suggestion[] }>('/api/library/groups/suggestions');
  return suggestions;
}

/** That pair is never suggested again. */
export function dismissSuggestion(a: string, b: string): Promise<void> {
  return apiFetch<void>('/api/library/groups/suggestions/dismiss', json({ a, b }));
}

/** Groups the whole library again; its progress is the list's `grouping`. */
export function regroup(): Promise<GroupingJob> {
  return apiFetch<GroupingJob>('/api/library/groups/regroup', { method: 'POST' });
}
