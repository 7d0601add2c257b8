import { fireEvent, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { findResult, personFindResult, twoFacesResult } from '@/testing/fixtures';
import { imageFile, textFile } from '@/testing/files';
import { recordRequests, server } from '@/testing/server';
import { LibrarySection } from './LibrarySection';

/** Answers POST /api/library/find with `body` and records each request's URL. */
function answerFind(body: object | ((face: string | null) => object), status = 200) {
  return recordRequests('post', '*/api/library/find', ({ searchParams }) =>
    HttpResponse.json(typeof body === 'function' ? body(searchParams.get('face')) : body, { status }),
  );
}

const section = () => screen.getByRole('region', { name: 'Find in photos' });

async function choose(file: File) {
  const user = userEvent.setup({ applyAccept: false });
  render(<LibrarySection />);
  await user.upload(within(section()).getByLabelText(/choose a photo/i), file);
  return user;
}

const slider = () => screen.getByRole('slider', { name: 'Similarity threshold' });
const resultNames = () =>
  within(screen.getByRole('list', { name: 'Photos found' }))
    .getAllByRole('button')
    .map((button) => button.getAttribute('aria-label'));

describe('LibrarySection', () => {
  it('asks for everything above the slider floor and shows the photos above the default, best first', async () => {
    const queries = answerFind(findResult);
    await choose(imageFile());
    expect(await screen.findByRole('heading', { name: '2 photos' })).toBeInTheDocument();
    expect(queries.map((q) => q.searchParams.toString())).toEqual(['threshold=0.94']);
    expect(resultNames()).toEqual(['Open group-2.jpg, similarity 0.985', 'Open beach/day-1.jpg, similarity 0.972']);

    const best = screen.getByRole('button', { name: /^Open group-2\.jpg/ });
    expect(within(best).getByRole('presentation')).toHaveAttribute('src', '/api/library/photos/lp1/image?size=320');
    expect(within(best).getByTestId('match-box')).toHaveStyle({ left: '50%', top: '25%', width: '10%', height: '20%' });
    expect(best).toHaveTextContent('0.985');
    expect(best).toHaveTextContent('group-2.jpg');
  });

  it('filters with the slider at once, without asking again', async () => {
    const queries = answerFind(findResult);
    await choose(imageFile());
    await screen.findByRole('heading', { name: '2 photos' });

    fireEvent.change(slider(), { target: { value: '0.95' } });
    expect(screen.getByRole('heading', { name: '3 photos' })).toBeInTheDocument();
    expect(resultNames()).toContain('Open party.jpg, similarity 0.951');

    fireEvent.change(slider(), { target: { value: '0.98' } });
    expect(screen.getByRole('heading', { name: '1 photo' })).toBeInTheDocument();

    fireEvent.change(slider(), { target: { value: '1' } });
    expect(screen.getByRole('heading', { name: 'No photos above this threshold' })).toBeInTheDocument();
    expect(screen.queryByRole('list', { name: 'Photos found' })).not.toBeInTheDocument();
    expect(queries).toHaveLength(1);
  });

  it('marks the default threshold and resets to it', async () => {
    answerFind(findResult);
    const user = await choose(imageFile());
    await screen.findByRole('heading', { name: '2 photos' });
    expect(slider()).toHaveValue('0.97');
    expect(slider()).toHaveAttribute('min', '0.94');
    expect(slider()).toHaveAttribute('max', '1');
    expect(slider()).toHaveAttribute('step', '0.001');
    expect(screen.getByText('default 0.970')).toBeInTheDocument();
    const reset = screen.getByRole('button', { name: 'Reset to default' });
    expect(reset).toBeDisabled();

    fireEvent.change(slider(), { target: { value: '0.99' } });
    expect(screen.getByRole('heading', { name: 'No photos above this threshold' })).toBeInTheDocument();
    await user.click(reset);
    expect(slider()).toHaveValue('0.97');
    expect(screen.getByRole('heading', { name: '2 photos' })).toBeInTheDocument();
    expect(reset).toBeDisabled();
  });

  it('opens a photo whole, with every face boxed and named, and closes it with the button or Escape', async () => {
    answerFind(findResult);
    const user = await choose(imageFile());
    const best = await screen.findByRole('button', { name: /^Open group-2\.jpg/ });
    await user.click(best);

    const dialog = screen.getByRole('dialog', { name: 'group-2.jpg' });
    expect(within(dialog).getByRole('img', { name: /group-2\.jpg/ })).toHaveAttribute(
      'src',
      '/api/library/photos/lp1/image?size=1600',
    );
    const people = await within(dialog).findByRole('list', { name: 'People in this photo' });
    expect(within(people).getAllByRole('listitem').map((li) => li.textContent)).toEqual(['Ada Lovelace', 'Paul Rudd']);
    expect(within(dialog).getByText('1 face not known. The face found is highlighted.')).toBeInTheDocument();
    const boxes = within(dialog).getAllByTestId('face-box');
    expect(boxes).toHaveLength(3);
    const found = boxes.filter((box) => box.classList.contains('is-match'));
    expect(found).toHaveLength(1);
    expect(found[0]).toHaveTextContent('Paul Rudd');
    expect(found[0]).toHaveStyle({ left: '50%', top: '25%' });

    await user.click(within(dialog).getByRole('button', { name: 'Close' }));
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(best).toHaveFocus();

    await user.click(best);
    expect(screen.getByRole('dialog', { name: 'group-2.jpg' })).toBeInTheDocument();
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
  });

  it('shows why a photo cannot be opened', async () => {
    answerFind(findResult);
    server.use(
      http.get('*/api/library/photos/:id', () =>
        HttpResponse.json({ error: 'This photo is no longer in the library.', code: 'not_found' }, { status: 404 }),
      ),
    );
    const user = await choose(imageFile());
    await user.click(await screen.findByRole('button', { name: /^Open group-2\.jpg/ }));
    const dialog = screen.getByRole('dialog', { name: 'group-2.jpg' });
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('This photo is no longer in the library.');
  });

  it('shows the note for a photo with several faces and searches again with the face chosen', async () => {
    const queries = answerFind((face) => (face === '1' ? { ...twoFacesResult, query: 1, note: null, matches: [] } : twoFacesResult));
    const user = await choose(imageFile('group.jpg'));
    expect(await screen.findByText(twoFacesResult.note ?? '')).toBeInTheDocument();
    const choices = screen.getByRole('group', { name: 'Which face to look for' });
    expect(within(choices).getByRole('button', { name: 'Face 2' })).toHaveAttribute('aria-pressed', 'true');
    expect(within(choices).getByRole('button', { name: 'Face 1' })).toHaveAttribute('aria-pressed', 'false');
    expect(screen.getAllByTestId('query-box')).toHaveLength(2);

    await user.click(within(choices).getByRole('button', { name: 'Face 1' }));
    expect(await screen.findByRole('heading', { name: 'No photos above this threshold' })).toBeInTheDocument();
    expect(queries.map((q) => q.searchParams.get('face'))).toEqual([null, '1']);
    expect(queries[1]?.searchParams.get('threshold')).toBe('0.94');
    expect(within(choices).getByRole('button', { name: 'Face 1' })).toHaveAttribute('aria-pressed', 'true');
  });

  it('keeps the faces to choose from when a search with another face fails', async () => {
    server.use(
      http.post('*/api/library/find', ({ request }) =>
        new URL(request.url).searchParams.get('face') === '1'
          ? HttpResponse.json({ error: 'That face is too small to search with.', code: 'bad_request' }, { status: 400 })
          : HttpResponse.json(twoFacesResult),
      ),
    );
    const user = await choose(imageFile('group.jpg'));
    await user.click(await screen.findByRole('button', { name: 'Face 1' }));
    expect(await within(section()).findByRole('alert')).toHaveTextContent('That face is too small to search with.');
    await user.click(screen.getByRole('button', { name: 'Face 2' }));
    expect(await screen.findByRole('heading', { name: '1 photo' })).toBeInTheDocument();
  });

  it('shows that it is searching', async () => {
    let answer = () => {};
    const answered = new Promise<void>((resolve) => (answer = resolve));
    server.use(http.post('*/api/library/find', async () => (await answered, HttpResponse.json(findResult))));
    await choose(imageFile());
    const searching = await within(section()).findByText('Searching…');
    expect(searching).toHaveAttribute('role', 'status');
    expect(searching.closest('[aria-busy]')).toHaveAttribute('aria-busy', 'true');
    expect(screen.getByRole('img', { name: 'The photo you are searching with' })).toHaveAttribute(
      'src',
      expect.stringMatching(/^blob:/),
    );
    answer();
    const heading = await screen.findByRole('heading', { name: '2 photos' });
    expect(screen.queryByText('Searching…')).not.toBeInTheDocument();
    expect(heading.closest('[aria-busy]')).toHaveAttribute('aria-busy', 'false');
  });

  it("shows the API's sentence when the search fails", async () => {
    answerFind({ error: 'No face was found in this photo.', code: 'no_face' }, 422);
    await choose(imageFile());
    expect(await within(section()).findByRole('alert')).toHaveTextContent('No face was found in this photo.');
  });

  it('refuses a text file before uploading it', async () => {
    const queries = answerFind(findResult);
    await choose(textFile('notes.txt'));
    expect(within(section()).getByRole('alert')).toHaveTextContent('“notes.txt” is not a JPEG, PNG, WebP, HEIC or AVIF image.');
    expect(queries).toEqual([]);
  });

  it('searches a photo dropped on the section', async () => {
    answerFind(findResult);
    render(<LibrarySection />);
    fireEvent.drop(section(), { dataTransfer: { files: [imageFile()] } });
    expect(await screen.findByRole('heading', { name: '2 photos' })).toBeInTheDocument();
  });

  it('takes a photo pasted inside the section, but leaves pastes elsewhere to the people search', async () => {
    const queries = answerFind(findResult);
    render(<LibrarySection />);
    fireEvent.paste(document.body, { clipboardData: { files: [imageFile()] } });
    expect(queries).toEqual([]);
    fireEvent.paste(section(), { clipboardData: { files: [imageFile()] } });
    expect(await screen.findByRole('heading', { name: '2 photos' })).toBeInTheDocument();
  });

  it("shows a person's photos when asked to, with the same slider", async () => {
    const finds = recordRequests('get', '*/api/library/find', () => HttpResponse.json(personFindResult));
    render(<LibrarySection personSearch={{ id: 1, person: { id: 'paul_rudd', name: 'Paul Rudd' } }} />);
    expect(await screen.findByRole('heading', { name: 'Photos of Paul Rudd' })).toBeInTheDocument();
    expect(screen.getByText('2 photos')).toBeInTheDocument();
    expect(finds.map((url) => url.search)).toEqual(['?person=paul_rudd&threshold=0.94']);
    fireEvent.change(slider(), { target: { value: '0.98' } });
    expect(screen.getByText('1 photo')).toBeInTheDocument();
    expect(finds).toHaveLength(1);
  });
});
