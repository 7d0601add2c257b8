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
