import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { paulRudd } from './fixtures';

/** Default answers for every endpoint the page calls; tests override them with server.use(). */
const handlers = [
  http.get('*/api/people', () => HttpResponse.json({ people: [paulRudd] })),
  http.post('*/api/search', () =>
    HttpResponse.json({ error: 'No face was found in this photo.', code: 'no_face' }, { status: 422 }),
  ),
];

export const server = setupServer(...handlers);
