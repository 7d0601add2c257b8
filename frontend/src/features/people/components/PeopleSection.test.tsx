import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import type { Person } from '@/features/people/api/people';
import { paulRudd } from '@/testing/fixtures';
import { imageFile, textFile } from '@/testing/files';
import { server } from '@/testing/server';
import { PeopleSection } from './PeopleSection';

const adaLovelace: Person = {
  id: 'ada_lovelace',
  name: 'Ada Lovelace',
  photo_count: 1,
  photos: [{ id: 'a1', filename: 'ada.jpg', photo_url: '/api/photos/a1' }],
};

/** A fake people store behind the API, so that a change shows up in the next GET. */
function peopleStore(initial: Person[]) {
  let people = [...initial];
  const requests: { method: string; path: string; form?: FormData }[] = [];
  server.use(
    http.get('*/api/people', () => HttpResponse.json({ people })),
    http.post('*/api/people', async ({ request }) => {
      const form = await request.formData();
      requests.push({ method: 'POST', path: '/api/people', form });
      people = [...people, adaLovelace];
      return HttpResponse.json(
        { person: adaLovelace, imported: ['ada.jpg'], skipped: [{ filename: 'cat.jpg', reason: 'No face was found in this photo.' }] },
        { status: 201 },
      );
    }),
    http.delete('*/api/people/:id', ({ params }) => {
      requests.push({ method: 'DELETE', path: `/api/people/${String(params.id)}` });
      people = people.filter((p) => p.id !== params.id);
      return new HttpResponse(null, { status: 204 });
    }),
  );
  return requests;
}

const user = () => userEvent.setup({ applyAccept: false });

describe('PeopleSection', () => {
  it('lists the enrolled people with a photo and a photo count', async () => {
    render(<PeopleSection />);
    const list = await screen.findByRole('list', { name: 'Enrolled people' });
    const card = within(list).getByRole('heading', { name: 'Paul Rudd' }).closest('li');
    if (!card) throw new Error('no card');
    expect(within(card).getByRole('img', { name: 'Photo of Paul Rudd' })).toHaveAttribute('src', '/api/photos/p1');
    expect(within(card).getByText('2 photos')).toBeInTheDocument();
    expect(within(card).getByText('In 2 library photos')).toBeInTheDocument();
    expect(within(card).queryByRole('button', { name: /find in photos/i })).not.toBeInTheDocument();
  });

  it("offers to find a person's library photos when the page asks for it", async () => {
    const onFindInPhotos = vi.fn();
    peopleStore([paulRudd, { ...adaLovelace, library_photos: 0 }]);
    const u = user();
    render(<PeopleSection onFindInPhotos={onFindInPhotos} />);
    expect(await screen.findByText('Not in any library photo')).toBeInTheDocument();
    await u.click(screen.getByRole('button', { name: 'Find in photos: Paul Rudd' }));
    expect(onFindInPhotos).toHaveBeenCalledWith({ id: 'paul_rudd', name: 'Paul Rudd' });
  });

  it('enrolls a person, shows the skipped reasons and refreshes the list', async () => {
    const requests = peopleStore([paulRudd]);
    const u = user();
    render(<PeopleSection />);
    await screen.findByRole('heading', { name: 'Paul Rudd' });

    await u.type(screen.getByLabelText('Name'), 'Ada Lovelace');
    await u.upload(screen.getByLabelText('Photos'), [imageFile('ada.jpg'), imageFile('cat.jpg')]);
    await u.click(screen.getByRole('button', { name: 'Enroll person' }));

    expect(await screen.findByRole('heading', { name: 'Ada Lovelace' })).toBeInTheDocument();
    const status = screen.getByRole('status');
    expect(status).toHaveTextContent('Added 1 photo of Ada Lovelace.');
    expect(status).toHaveTextContent('cat.jpg: No face was found in this photo.');
    const form = requests[0]?.form;
    expect(form?.get('name')).toBe('Ada Lovelace');
    // jsdom's FormData loses file names on the way through Node's fetch; the browser keeps them (see e2e).
    expect(form?.getAll('photos')).toHaveLength(2);
    expect(screen.getByLabelText('Name')).toHaveValue('');
  });

  it('refuses a text file in the enroll form before uploading', async () => {
    const requests = peopleStore([paulRudd]);
    const u = user();
    render(<PeopleSection />);
    await u.type(screen.getByLabelText('Name'), 'Ada Lovelace');
    await u.upload(screen.getByLabelText('Photos'), [textFile('notes.txt')]);
    await u.click(screen.getByRole('button', { name: 'Enroll person' }));
    expect(screen.getByRole('alert')).toHaveTextContent('“notes.txt” is not a JPEG, PNG, WebP, HEIC or AVIF image.');
    expect(requests).toEqual([]);
  });

  it('shows the API error when enrolling fails', async () => {
    server.use(
      http.post('*/api/people', () =>
        HttpResponse.json({ error: 'A person named Paul Rudd already exists.', code: 'conflict' }, { status: 409 }),
      ),
    );
    const u = user();
    render(<PeopleSection />);
    await u.type(screen.getByLabelText('Name'), 'Paul Rudd');
    await u.upload(screen.getByLabelText('Photos'), [imageFile()]);
    await u.click(screen.getByRole('button', { name: 'Enroll person' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('A person named Paul Rudd already exists.');
  });

  it('removes a person only after confirming', async () => {
    const requests = peopleStore([paulRudd, adaLovelace]);
    const u = user();
    render(<PeopleSection />);
    await u.click(await screen.findByRole('button', { name: 'Remove Paul Rudd' }));
    const confirm = screen.getByRole('group', { name: 'Confirm removing Paul Rudd' });
    await u.click(within(confirm).getByRole('button', { name: 'Cancel' }));
    expect(requests).toEqual([]);

    await u.click(screen.getByRole('button', { name: 'Remove Paul Rudd' }));
    await u.click(screen.getByRole('button', { name: 'Yes, remove' }));
    expect(await screen.findByText('Removed Paul Rudd.')).toBeInTheDocument();
    expect(screen.queryByRole('heading', { name: 'Paul Rudd' })).not.toBeInTheDocument();
    expect(requests).toEqual([{ method: 'DELETE', path: '/api/people/paul_rudd' }]);
  });

  it('adds photos to a person and removes one photo', async () => {
    const calls: string[] = [];
    server.use(
      http.post('*/api/people/:id/photos', ({ params }) => {
        calls.push(`add ${String(params.id)}`);
        return HttpResponse.json({ person: paulRudd, imported: ['3.jpg'], skipped: [] });
      }),
      http.delete('*/api/people/:id/photos/:photo', ({ params }) => {
        calls.push(`remove ${String(params.id)} ${String(params.photo)}`);
        return new HttpResponse(null, { status: 204 });
      }),
    );
    const u = user();
    render(<PeopleSection />);
    await u.upload(await screen.findByLabelText('Add photos of Paul Rudd'), [imageFile('3.jpg')]);
    expect(await screen.findByText('Added 1 photo of Paul Rudd.')).toBeInTheDocument();
    await u.click(screen.getByText('Photos of Paul Rudd'));
    await u.click(screen.getByRole('button', { name: 'Remove photo 2.jpg of Paul Rudd' }));
    expect(await screen.findByText('Removed 2.jpg of Paul Rudd.')).toBeInTheDocument();
    expect(calls).toEqual(['add paul_rudd', 'remove paul_rudd p2']);
  });

  it('says when the people cannot be loaded', async () => {
    server.use(http.get('*/api/people', () => HttpResponse.error()));
    render(<PeopleSection />);
    expect(await screen.findByRole('alert')).toHaveTextContent(/server could not be reached/i);
    expect(screen.getByRole('button', { name: 'Try again' })).toBeInTheDocument();
  });
});
