import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { config, groupList, libraryPhoto, libraryStatus, paulRudd, personFindResult, strangerDetail } from './fixtures';

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
  http.get('*/api/library/groups', () => HttpResponse.json(groupList)),
  // Before groups/:id, which would take "suggestions" for an id.
  http.get('*/api/library/groups/suggestions', () => HttpResponse.json({ suggestions: [] })),
  http.get('*/api/library/groups/:id', () => HttpResponse.json(strangerDetail)),
];

export const server = setupServer(...handlers);

/**
 * Answers `method path` with `answer` in place of the default handler, and records the URL of every
 * request it answers, in order. The returned list fills as the test runs.
 */
export function recordRequests(
  method: 'get' | 'post' | 'delete',
  path: string,
  answer: (url: URL, request: Request) => Response | Promise<Response>,
): URL[] {
  const urls: URL[] = [];
  server.use(
    http[method](path, ({ request }) => {
      const url = new URL(request.url);
      urls.push(url);
      return answer(url, request);
    }),
  );
  return urls;
}
