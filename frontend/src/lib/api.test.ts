import { ApiError, apiFetch } from './api';
import { keepKey, setKeyPrompter, storedKey, type KeyReason } from './api-key';

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

describe('apiFetch with an API key', () => {
  const refused = (status: number) => Response.json({ error: 'A sentence.', code: 'unauthorized' }, { status });

  afterEach(() => sessionStorage.clear());

  it('asks once for every request refused at the same time, then sends each again with the key', async () => {
    const headers: (string | null)[] = [];
    vi.stubGlobal('fetch', vi.fn((_: string, init: RequestInit) => {
      const auth = new Headers(init.headers).get('Authorization');
      headers.push(auth);
      return Promise.resolve(auth === 'Bearer k' ? Response.json({ ok: true }) : refused(401));
    }));
    let answer: (key: string | null) => void = () => undefined;
    const prompter = vi.fn(() => new Promise<string | null>((resolve) => (answer = resolve)));
    const stop = setKeyPrompter(prompter);
    try {
      const both = Promise.all([apiFetch('/api/people'), apiFetch('/api/config')]);
      await vi.waitFor(() => expect(prompter).toHaveBeenCalledTimes(1));
      await vi.waitFor(() => expect(headers).toEqual([null, null]));
      answer('k');
      await expect(both).resolves.toEqual([{ ok: true }, { ok: true }]);
      expect(prompter).toHaveBeenCalledTimes(1);
      expect(headers.slice(2)).toEqual(['Bearer k', 'Bearer k']);
      expect(storedKey()).toBe('k');
    } finally {
      stop();
    }
  });

  it('asks again, saying why, while the key is not accepted; a cancel ends with that sentence', async () => {
    vi.stubGlobal('fetch', vi.fn(() => Promise.resolve(refused(401))));
    const reasons: KeyReason[] = [];
    const stop = setKeyPrompter((reason) => (reasons.push(reason), Promise.resolve(reasons.length < 3 ? `wrong-${reasons.length}` : null)));
    try {
      await expect(apiFetch('/api/people/x', { method: 'DELETE' })).rejects.toMatchObject({
        message: 'That API key was not accepted.', code: 'unauthorized', status: 401,
      });
      expect(reasons).toEqual(['missing', 'rejected', 'rejected']);
    } finally {
      stop();
    }
  });

  it('without a prompt (no page around it) a refusal is the sentence at once', async () => {
    fakeFetch(refused(403));
    keepKey('reader');
    await expect(apiFetch('/api/people/x', { method: 'DELETE' })).rejects.toMatchObject({
      message: 'That API key may only read; changes need a key with write rights.', code: 'forbidden', status: 403,
    });
  });
});
