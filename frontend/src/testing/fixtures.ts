import type {
  LibraryConfig,
  LibraryMatch,
  LibraryPhoto,
  LibraryStatus,
  PersonFindResult,
  PhotoFindResult,
} from '@/features/library/api/library';
import type { Group, GroupDetail, GroupFace, GroupList } from '@/features/groups/api/groups';
import type { Person } from '@/features/people/api/people';
import type { SearchResult } from '@/features/search/api/search';

export const paulRudd: Person = {
  id: 'paul_rudd',
  name: 'Paul Rudd',
  photo_count: 2,
  photos: [
    { id: 'p1', filename: '1.jpg', photo_url: '/api/photos/p1' },
    { id: 'p2', filename: '2.jpg', photo_url: '/api/photos/p2' },
  ],
  library_photos: 2,
};

export const matchResult: SearchResult = {
  width: 800,
  height: 600,
  faces: [
    {
      index: 1,
      box: { left: 120, top: 80, right: 260, bottom: 220 },
      match: {
        person_id: 'paul_rudd',
        name: 'Paul Rudd',
        photo_id: 'p1',
        filename: '1.jpg',
        certainty: 0.953,
        photo_url: '/api/photos/p1',
      },
      candidates: [
        {
          person_id: 'paul_rudd',
          name: 'Paul Rudd',
          photo_id: 'p1',
          filename: '1.jpg',
          certainty: 0.953,
          photo_url: '/api/photos/p1',
          accepted: true,
        },
      ],
    },
  ],
};

export const unknownResult: SearchResult = {
  width: 400,
  height: 400,
  faces: [
    {
      index: 1,
      box: { left: 10, top: 10, right: 110, bottom: 130 },
      match: null,
      candidates: [
        {
          person_id: 'paul_rudd',
          name: 'Paul Rudd',
          photo_id: 'p2',
          filename: '2.jpg',
          certainty: 0.41,
          photo_url: '/api/photos/p2',
          accepted: false,
        },
      ],
    },
  ],
};

export const config: LibraryConfig & Record<string, number> = {
  threshold: 0.9725,
  margin: 0.0075,
  max_upload_mb: 10,
  default_limit: 1,
  max_limit: 10,
  library_threshold: 0.97,
  library_threshold_min: 0.94,
};

/** Three library photos, best first: two above the default threshold (0.97), one between it and the floor; dated by
 * the camera, by the file, and not at all (indexed before dates were kept). */
export const libraryMatches: LibraryMatch[] = [
  {
    photo_id: 'lp1',
    folder: 'samples',
    path: 'group-2.jpg',
    similarity: 0.985,
    box: { left: 600, top: 200, right: 720, bottom: 360 },
    person_id: 'paul_rudd',
    name: 'Paul Rudd',
    width: 1200,
    height: 800,
    image_url: '/api/library/photos/lp1/image',
    taken_at: '2024-03-12T14:30:00',
    taken_from: 'camera',
  },
  {
    photo_id: 'lp2',
    folder: 'samples',
    path: 'beach/day-1.jpg',
    similarity: 0.9721,
    box: { left: 100, top: 100, right: 200, bottom: 220 },
    person_id: null,
    name: null,
    width: 800,
    height: 600,
    image_url: '/api/library/photos/lp2/image',
    taken_at: '2023-08-05T23:59:00',
    taken_from: 'file',
  },
  {
    photo_id: 'lp3',
    folder: 'holiday',
    path: 'party.jpg',
    similarity: 0.951,
    box: { left: 40, top: 30, right: 90, bottom: 95 },
    person_id: null,
    name: null,
    width: 640,
    height: 480,
    image_url: '/api/library/photos/lp3/image',
    taken_at: null,
    taken_from: null,
  },
];

export const findResult: PhotoFindResult = {
  width: 800,
  height: 600,
  faces: [{ index: 1, box: { left: 120, top: 80, right: 260, bottom: 220 } }],
  query: 1,
  note: null,
  threshold: 0.94,
  matches: libraryMatches,
};

export const twoFacesResult: PhotoFindResult = {
  width: 800,
  height: 600,
  faces: [
    { index: 1, box: { left: 100, top: 100, right: 180, bottom: 190 } },
    { index: 2, box: { left: 400, top: 80, right: 560, bottom: 260 } },
  ],
  query: 2,
  note: 'This photo has 2 faces: searching with face 2, the largest. Choose another face to search with it.',
  threshold: 0.94,
  matches: libraryMatches.slice(0, 1),
};

export const personFindResult: PersonFindResult = {
  person: { id: 'paul_rudd', name: 'Paul Rudd' },
  threshold: 0.94,
  matches: libraryMatches.slice(0, 2),
};

/** The first match's photo, whole: the face found (Paul Rudd), Ada Lovelace and a stranger. */
export const libraryPhoto: LibraryPhoto = {
  photo_id: 'lp1',
  folder: 'samples',
  path: 'group-2.jpg',
  width: 1200,
  height: 800,
  image_url: '/api/library/photos/lp1/image',
  faces: [
    { face_id: 'f1', box: { left: 100, top: 220, right: 210, bottom: 370 }, person_id: 'ada_lovelace', name: 'Ada Lovelace' },
    { face_id: 'f2', box: { left: 600, top: 200, right: 720, bottom: 360 }, person_id: 'paul_rudd', name: 'Paul Rudd' },
    { face_id: 'f3', box: { left: 900, top: 250, right: 990, bottom: 370 }, person_id: null, name: null },
  ],
};

export const libraryStatus: LibraryStatus = {
  root: '/home/me/facesearch/library',
  folders: [
    {
      folder: 'samples',
      indexed: true,
      photos: 12,
      faces: 31,
      last_indexed: '2026-11-25T16:02:11Z',
      skipped: [{ path: 'broken.jpg', reason: 'The image could not be read.' }],
    },
    { folder: 'holiday', indexed: false, photos: 0, faces: 0, last_indexed: null, skipped: [] },
  ],
  job: null,
};

/** The groups of library faces: Ada Lovelace's (an enrolled person) and two nobody named, biggest first. */
export const adaGroup: Group = {
  id: 'g-ada',
  name: 'Ada Lovelace',
  person_id: 'ada_lovelace',
  faces: 4,
  photos: 4,
  hidden: false,
  cover: { face_id: 'fa1', face_url: '/api/library/faces/fa1/image' },
};

export const strangerGroup: Group = {
  id: 'g-stranger',
  name: null,
  person_id: null,
  faces: 3,
  photos: 3,
  hidden: false,
  cover: { face_id: 'fs1', face_url: '/api/library/faces/fs1/image' },
};

export const otherGroup: Group = {
  id: 'g-other',
  name: null,
  person_id: null,
  faces: 2,
  photos: 2,
  hidden: false,
  cover: { face_id: 'fo1', face_url: '/api/library/faces/fo1/image' },
};

export const groupList: GroupList = {
  groups: [adaGroup, strangerGroup, otherGroup],
  ungrouped: 5,
  min_faces: 2,
  grouping: null,
};

const groupFace = (face_id: string, folder: string, path: string, taken_at: string | null): GroupFace => ({
  face_id,
  photo_id: `p-${face_id}`,
  folder,
  path,
  box: { left: 100, top: 100, right: 200, bottom: 220 },
  width: 800,
  height: 600,
  image_url: `/api/library/photos/p-${face_id}/image`,
  face_url: `/api/library/faces/${face_id}/image`,
  taken_at,
  taken_from: taken_at ? 'camera' : null,
});

/** The stranger's group, newest photo first: one photo in the library folder itself, one without a date. */
export const strangerDetail: GroupDetail = {
  group: strangerGroup,
  faces: [
    groupFace('fs1', 'samples', '2025/reunion.jpg', '2025-06-01T12:00:00'),
    groupFace('fs2', '.', 'party.jpg', '2024-03-12T14:30:00'),
    groupFace('fs3', 'samples', 'old/scan.jpg', null),
  ],
};
