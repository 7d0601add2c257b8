import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { App } from '@/app/App';
import { keepKey } from '@/lib/api-key';
import { paulRudd } from '@/testing/fixtures';
import { server } from '@/testing/server';
import { ApiImage } from './ApiImage';

const RIGHT = 'fs_1234abcd_right';
const READER = 'fs_5678ef01_reader';
const NO_KEY = { error: "This request needs an API key, sent as 'Authorization: Bearer <key>'.", code: 'unauthorized' };
const NOT_ACCEPTED = { error: 'That API key was not accepted: it is unknown or has been revoked.', code: 'unauthorized' };
const READ_ONLY = { error: 'That API key may only read.', code: 'forbidden' };

/** What the API answers to a request with this Authorization header, before doing anything. */
function refusal(request: Request, needs: 'read' | 'write'): Response | null {
  const auth = request.headers.get('Authorization');
  if (!auth) return HttpResponse.json(NO_KEY, { status: 401 });
  if (auth === `Bearer ${READER}`) return needs === 'read' ? null : HttpResponse.json(READ_ONLY, { status: 403 });
  return auth === `Bearer ${RIGHT}` ? null : HttpResponse.json(NOT_ACCEPTED, { status: 401 });
}

/** Removing a person needs a write key; returns the Authorization header of every DELETE, in order. */
function removalsNeedAKey(): (string | null)[] {
  const sent: (string | null)[] = [];
  let people = [paulRudd];
  server.use(
    http.get('*/api/people', () => HttpResponse.json({ people })),
    http.delete('*/api/people/:id', ({ request }) => {
      sent.push(request.headers.get('Authorization'));
      const refused = refusal(request, 'write');
      if (refused) return refused;
      people = [];
      return new HttpResponse(null, { status: 204 });
    }),
  );
  return sent;
}

async function removePaulRudd(user: ReturnType<typeof userEvent.setup>) {
  await user.click(await screen.findByRole('button', { name: 'Remove Paul Rudd' }));
  await user.click(screen.getByRole('button', { name: 'Yes, remove' }));
}

async function enterKey(user: ReturnType<typeof userEvent.setup>, key: string) {
  const dialog = await screen.findByRole('dialog', { name: 'API key needed' });
  await user.type(within(dialog).getByLabelText('API key'), key);
  await user.click(within(dialog).getByRole('button', { name: 'Use this key' }));
}

describe('the API key prompt', () => {
  it('asks when a change is refused, says when the key is wrong, and sends the change again with the right key', async () => {
    const sent = removalsNeedAKey();
    const user = userEvent.setup();
    render(<App />);
    await removePaulRudd(user);

    const dialog = await screen.findByRole('dialog', { name: 'API key needed' });
    expect(within(dialog).getByLabelText('API key')).toHaveAttribute('type', 'password');
    expect(within(dialog).queryByRole('alert')).not.toBeInTheDocument();
    await enterKey(user, 'fs_wrong_key');
    const again = await screen.findByRole('dialog', { name: 'API key needed' });
    expect(within(again).getByRole('alert')).toHaveTextContent('That API key was not accepted');
    expect(within(again).getByLabelText('API key')).toHaveValue('');
    await enterKey(user, RIGHT);

    expect(await screen.findByText('Removed Paul Rudd.')).toBeInTheDocument();
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(sent).toEqual([null, 'Bearer fs_wrong_key', `Bearer ${RIGHT}`]);
    expect(sessionStorage.getItem('facesearch.apiKey')).toBe(RIGHT);
  });

  it('keeps the key for the session: the next change sends it without asking', async () => {
    keepKey(RIGHT);
    const sent = removalsNeedAKey();
    const user = userEvent.setup();
    render(<App />);
    await removePaulRudd(user);
    expect(await screen.findByText('Removed Paul Rudd.')).toBeInTheDocument();
    expect(sent).toEqual([`Bearer ${RIGHT}`]);
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
  });

  it('says a read-only key may only read, and says so again when the person cancels', async () => {
    keepKey(READER);
    const sent = removalsNeedAKey();
    const user = userEvent.setup();
    render(<App />);
    await removePaulRudd(user);
    const dialog = await screen.findByRole('dialog', { name: 'API key needed' });
    expect(within(dialog).getByRole('alert')).toHaveTextContent('That API key may only read.');
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));

    const people = screen.getByRole('region', { name: /^People(?: \d+)?$/ });
    expect(await within(people).findByText('That API key may only read; changes need a key with write rights.')).toBeInTheDocument();
    expect(within(people).getByRole('heading', { name: 'Paul Rudd' })).toBeInTheDocument();
    expect(sent).toEqual([`Bearer ${READER}`]);
  });

  it('closes with Escape and leaves the change undone with a sentence', async () => {
    const sent = removalsNeedAKey();
    const user = userEvent.setup();
    render(<App />);
    await removePaulRudd(user);
    fireEvent.keyDown(await screen.findByRole('dialog', { name: 'API key needed' }), { key: 'Escape' });
    expect(await screen.findByText('This needs an API key, and none was entered.')).toBeInTheDocument();
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(sent).toEqual([null]);
  });

  it('asks once on the first read when reads need a key, then loads everything with it', async () => {
    const reads: (string | null)[] = [];
    const guarded = (answer: () => Response) => ({ request }: { request: Request }) => {
      reads.push(request.headers.get('Authorization'));
      return refusal(request, 'read') ?? answer();
    };
    server.use(
      http.get('*/api/people', guarded(() => HttpResponse.json({ people: [paulRudd] }))),
      http.get('*/api/config', guarded(() => HttpResponse.json({ threshold: 0.9, margin: 0.01, max_upload_mb: 10, default_limit: 1, max_limit: 10, library_threshold: 0.97, library_threshold_min: 0.94 }))),
      http.get('*/api/library', guarded(() => HttpResponse.json({ root: '/library', folders: [], job: null }))),
    );
    const user = userEvent.setup();
    render(<App />);
    await screen.findByRole('dialog', { name: 'API key needed' });
    await vi.waitFor(() => expect(reads.filter((r) => r === null).length).toBeGreaterThanOrEqual(2));
    expect(screen.getAllByRole('dialog')).toHaveLength(1);
    await enterKey(user, RIGHT);

    expect(await screen.findByRole('heading', { name: 'Paul Rudd' })).toBeInTheDocument();
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(reads.filter((r) => r !== null).every((r) => r === `Bearer ${RIGHT}`)).toBe(true);
  });
});

describe('ApiImage', () => {
  it('is a plain image, fetched again with the key when it fails to load', async () => {
    const sent: (string | null)[] = [];
    server.use(
      http.get('*/api/photos/:id', ({ request }) => {
        sent.push(request.headers.get('Authorization'));
        return new HttpResponse(new Uint8Array([0xff, 0xd8, 0xff]), { headers: { 'Content-Type': 'image/jpeg' } });
      }),
    );
    keepKey(RIGHT);
    render(<ApiImage src="/api/photos/p1" alt="Photo of Paul Rudd" />);
    const image = screen.getByRole('img', { name: 'Photo of Paul Rudd' });
    expect(image).toHaveAttribute('src', '/api/photos/p1');
    fireEvent.error(image); // what a browser does when the API answers 401
    await waitFor(() => expect(image.getAttribute('src')).toMatch(/^blob:/));
    expect(sent).toEqual([`Bearer ${RIGHT}`]);
  });
});
