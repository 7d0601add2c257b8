import { fireEvent, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { matchResult, unknownResult } from '@/testing/fixtures';
import { imageFile, textFile } from '@/testing/files';
import { recordRequests, server } from '@/testing/server';
import { SearchPanel } from './SearchPanel';

/** Answers POST /api/search with `body` and records each request's URL. */
function answerSearch(body: object, status = 200) {
  return recordRequests('post', '*/api/search', () => HttpResponse.json(body, { status }));
}

async function choose(file: File) {
  const user = userEvent.setup({ applyAccept: false });
  render(<SearchPanel />);
  await user.upload(screen.getByLabelText(/choose a photo/i), file);
  return user;
}

describe('SearchPanel', () => {
  it('refuses a text file before uploading it', async () => {
    const searches = answerSearch(matchResult);
    await choose(textFile('notes.txt'));
    expect(screen.getByRole('alert')).toHaveTextContent('“notes.txt” is not a JPEG, PNG, WebP, HEIC or AVIF image.');
    expect(searches).toEqual([]);
    expect(screen.queryByRole('img', { name: /your photo/i })).not.toBeInTheDocument();
  });

  it('shows the preview while searching, then the match with a scaled box', async () => {
    let answer = () => {};
    const answered = new Promise<void>((resolve) => (answer = resolve));
    server.use(http.post('*/api/search', async () => (await answered, HttpResponse.json(matchResult))));
    await choose(imageFile());
    expect(screen.getByRole('status')).toHaveTextContent(/looking for faces/i);
    expect(screen.getByRole('img', { name: 'Your photo' })).toHaveAttribute('src', expect.stringMatching(/^blob:/));
    answer();
    expect(await screen.findByRole('heading', { name: 'Face 1: Paul Rudd' })).toBeInTheDocument();
    expect(screen.getByRole('img', { name: 'Enrolled photo of Paul Rudd that matched' })).toHaveAttribute(
      'src',
      '/api/photos/p1',
    );
    expect(screen.getByText('95.3%')).toBeInTheDocument();
    expect(screen.getByRole('img', { name: 'Your photo, with 1 face marked' })).toBeInTheDocument();
    const box = screen.getByTestId('face-box');
    expect(box).toHaveStyle({ left: '15%', top: `${(80 / 600) * 100}%`, width: '17.5%' });
    expect(box).toHaveTextContent('1');
  });

  it('searches a HEIC photo, and marks its faces on a stand-in when the browser cannot show it', async () => {
    const searches = answerSearch(matchResult);
    await choose(imageFile('IMG_0001.HEIC', 'image/heic'));
    expect(await screen.findByRole('heading', { name: 'Face 1: Paul Rudd' })).toBeInTheDocument();
    expect(searches).toHaveLength(1);
    fireEvent.error(screen.getByRole('img', { name: 'Your photo, with 1 face marked' })); // as Chrome does with HEIC
    const standIn = screen.getByRole('img', { name: 'Your photo, with 1 face marked' });
    expect(standIn.tagName).toBe('DIV');
    expect(standIn).toHaveTextContent('This browser cannot show this photo; its faces are marked where they are.');
    expect(standIn).toHaveStyle({ aspectRatio: '800 / 600' });
    expect(screen.getByTestId('face-box')).toHaveStyle({ left: '15%', width: '17.5%' });
  });

  it('says Unknown person when there is no match', async () => {
    answerSearch(unknownResult);
    await choose(imageFile('stranger.png', 'image/png'));
    expect(await screen.findByRole('heading', { name: 'Face 1: Unknown person' })).toBeInTheDocument();
    expect(screen.queryByRole('img', { name: /that matched/i })).not.toBeInTheDocument();
  });

  it('shows the API error sentence', async () => {
    answerSearch({ error: 'No face was found in this photo.', code: 'no_face' }, 422);
    await choose(imageFile());
    expect(await screen.findByRole('alert')).toHaveTextContent('No face was found in this photo.');
  });

  it('explains a file that is too large, even without a JSON body', async () => {
    server.use(http.post('*/api/search', () => new HttpResponse('Request Entity Too Large', { status: 413 })));
    await choose(imageFile());
    expect(await screen.findByRole('alert')).toHaveTextContent('The file is too large to upload.');
  });

  it('says when the server cannot be reached', async () => {
    server.use(http.post('*/api/search', () => HttpResponse.error()));
    await choose(imageFile());
    expect(await screen.findByRole('alert')).toHaveTextContent(/server could not be reached/i);
  });

  it('re-searches with a larger limit to show the other candidates', async () => {
    const searches = answerSearch(unknownResult);
    const user = await choose(imageFile());
    await user.click(await screen.findByRole('button', { name: 'Show top 5 candidates' }));
    const list = await screen.findByRole('list', { name: 'Closest people to face 1' });
    expect(within(list).getByText('Paul Rudd')).toBeInTheDocument();
    expect(within(list).getByText('41.0%')).toBeInTheDocument();
    expect(searches.map((url) => url.searchParams.get('limit'))).toEqual(['1', '5']);
    await user.click(screen.getByRole('button', { name: 'Hide candidates' }));
    expect(screen.queryByRole('list', { name: /closest people/i })).not.toBeInTheDocument();
  });

  it('searches a dropped photo', async () => {
    answerSearch(matchResult);
    render(<SearchPanel />);
    fireEvent.drop(screen.getByRole('region', { name: /who is in this photo/i }), {
      dataTransfer: { files: [imageFile()] },
    });
    expect(await screen.findByRole('heading', { name: 'Face 1: Paul Rudd' })).toBeInTheDocument();
  });

  it('searches a pasted photo', async () => {
    answerSearch(matchResult);
    render(<SearchPanel />);
    fireEvent.paste(document.body, { clipboardData: { files: [imageFile()] } });
    expect(await screen.findByRole('heading', { name: 'Face 1: Paul Rudd' })).toBeInTheDocument();
  });
});
