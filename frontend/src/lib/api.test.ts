import { ApiError, apiFetch } from './api';

function fakeFetch(response: Response | Error) {
  vi.stubGlobal('fetch', vi.fn(() => (response instanceof Error ? Promise.reject(response) : Promise.resolve(response))));
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('apiFetch', () => {
  it('returns the JSON body', async () => {
    fakeFetch(Response.json({ status: 'ok' }));
    await expect(apiFetch('/api/health')).resolves.toEqual({ status: 'ok' });
  });

  it('returns undefined for 204', async () => {
    fakeFetch(new Response(null, { status: 204 }));
    await expect(apiFetch('/api/people/x')).resolves.toBeUndefined();
  });

  it('uses the error sentence and code of the API', async () => {
    fakeFetch(Response.json({ error: 'No face was found in this photo.', code: 'no_face' }, { status: 422 }));
    await expect(apiFetch('/api/search')).rejects.toEqual(
      expect.objectContaining({ message: 'No face was found in this photo.', code: 'no_face', status: 422 }),
    );
  });

  it('turns a network failure into an ApiError', async () => {
    fakeFetch(new TypeError('Failed to fetch'));
    const error: unknown = await apiFetch('/api/people').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'network', status: 0 });
  });

  it('has a sentence for errors without a JSON body', async () => {
    fakeFetch(new Response('<html>Bad Gateway</html>', { status: 502 }));
    await expect(apiFetch('/api/people')).rejects.toThrow('Something went wrong on the server (error 502).');
  });
});
