import type { Group, GroupFace } from '../api/groups';

/** "1 face", "3 faces". */
export const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** What a group is called on the page: its person's name, or "Unnamed". */
export const groupName = (group: Pick<Group, 'name'>) => group.name ?? 'Unnamed';

/** "14 faces · 13 photos" */
export const groupCounts = (group: Pick<Group, 'faces' | 'photos'>) =>
  `${count(group.faces, 'face', 'faces')} · ${count(group.photos, 'photo', 'photos')}`;

/** A group told apart from others of the same name: "Unnamed, 5 faces". */
export const groupLabel = (group: Pick<Group, 'name' | 'faces'>) => `${groupName(group)}, ${count(group.faces, 'face', 'faces')}`;

/** Where a face's photo is, from the library root: "samples/2024/party.jpg" ("." is the library folder itself). */
export const faceWhere = ({ folder, path }: Pick<GroupFace, 'folder' | 'path'>) =>
  folder === '.' || folder === '' ? path : `${folder}/${path}`;
