import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { config, libraryPhoto, libraryStatus, paulRudd, personFindResult } from './fixtures';

/** Default answers for every endpoint the page calls; tests override them with server.use(). */
const handlers = [
  http.get('*/api/people', () => HttpResponse.json({ people: [paulRudd] })),
  http.post('*/api/search', () =>
    HttpResponse.json({ error: 'No face was found in this photo.', code: 'no_face' }, { status: 422 }),
  ),
  http.get('*/api/config', () => HttpResponse.json(config)),
  http.get('*/api/library', () => HttpResponse.json(libraryStatus)),
  http.post('*/api/library/find', () =>
    HttpResponse.json({ error: 'No face was found in this photo.', code: 'no_face' }, { status: 422 }),
  ),
  http.get('*/api/library/find', () => HttpResponse.json(personFindResult)),
  http.get('*/api/library/photos/:id', () => HttpResponse.json(libraryPhoto)),
];

export const server = setupServer(...handlers);
