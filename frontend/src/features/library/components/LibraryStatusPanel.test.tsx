import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import type { LibraryFolder, LibraryJob, LibraryStatus } from '@/features/library/api/library';
import { libraryStatus } from '@/testing/fixtures';
import { recordRequests, server } from '@/testing/server';
import { LibraryStatusPanel } from './LibraryStatusPanel';

const POLL_MS = 10;

/** A fake library behind the API: indexing runs until `finish` is called, then ends as `ending`. */
function libraryStore(ending: Pick<LibraryJob, 'state' | 'summary' | 'error'>) {
  let job: LibraryJob | null = null;
  let folders = libraryStatus.folders;
  const requests: string[] = [];
  server.use(
    http.get('*/api/library', () => HttpResponse.json({ ...libraryStatus, folders, job } satisfies LibraryStatus)),
    http.post('*/api/library/index', async ({ request }) => {
      const { folder } = (await request.json()) as { folder: string };
      requests.push(`index ${folder}`);
      job = { folder, state: 'running', done: 1, total: 3, summary: null, error: null };
      return HttpResponse.json(job, { status: 202 });
    }),
  );
  const finish = () => {
    if (!job) throw new Error('no job');
    job = { ...job, ...ending, done: 3 };
    if (ending.state === 'done') {
      folders = folders.map((f) =>
        f.folder === job?.folder ? { ...f, indexed: true, photos: 3, faces: 5, last_indexed: '2026-11-25T17:00:00Z' } : f,
      );
    }
  };
  return { requests, finish };
}

/** The fixture's two folders: samples (indexed) and holiday (not). */
const [samplesFolder, holidayFolder] = libraryStatus.folders as [LibraryFolder, LibraryFolder];

const folderItem = (name: string) => {
  const item = within(screen.getByRole('list', { name: 'Library folders' }))
    .getByRole('heading', { name })
    .closest('li');
  if (!item) throw new Error(`no folder ${name}`);
  return item;
};

describe('LibraryStatusPanel', () => {
  it('lists the folders with their photos, faces and skipped photos', async () => {
    const user = userEvent.setup();
    render(<LibraryStatusPanel />);
    await screen.findByRole('list', { name: 'Library folders' });
    expect(screen.getByText('/home/me/facesearch/library')).toBeInTheDocument();

    const samples = folderItem('samples');
    expect(samples).toHaveTextContent('12 photos · 31 faces · indexed');
    expect(within(samples).getByRole('button', { name: 'Re-index samples' })).toBeEnabled();
    await user.click(within(samples).getByText('1 photo skipped'));
    expect(within(samples).getByText('broken.jpg')).toBeVisible();
    expect(samples).toHaveTextContent('broken.jpg: The image could not be read.');

    const holiday = folderItem('holiday');
    expect(holiday).toHaveTextContent('Not indexed yet');
    expect(within(holiday).getByRole('button', { name: 'Index holiday' })).toBeEnabled();
  });

  it('indexes a folder, shows its progress while it runs, then the summary', async () => {
    const { requests, finish } = libraryStore({ state: 'done', summary: 'new 3, changed 0, moved 0, removed 0, unchanged 0, skipped 0; 5 faces', error: null });
    const user = userEvent.setup();
    render(<LibraryStatusPanel pollMs={POLL_MS} />);
    await user.click(await screen.findByRole('button', { name: 'Index holiday' }));

    const progress = await screen.findByRole('progressbar', { name: 'Indexing holiday' });
    expect(progress).toHaveAttribute('aria-valuenow', '1');
    expect(progress).toHaveAttribute('aria-valuemax', '3');
    expect(screen.getByText(/1 of 3 photos/)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Re-index samples' })).toBeDisabled();
    expect(requests).toEqual(['index holiday']);

    finish();
    expect(await screen.findByRole('status')).toHaveTextContent(
      'Indexed holiday: new 3, changed 0, moved 0, removed 0, unchanged 0, skipped 0; 5 faces',
    );
    expect(screen.queryByRole('progressbar')).not.toBeInTheDocument();
    expect(folderItem('holiday')).toHaveTextContent('3 photos · 5 faces');
    expect(screen.getByRole('button', { name: 'Re-index holiday' })).toBeEnabled();
  });

  it('shows why indexing failed', async () => {
    const { finish } = libraryStore({ state: 'failed', summary: null, error: 'Weaviate is not reachable.' });
    const user = userEvent.setup();
    render(<LibraryStatusPanel pollMs={POLL_MS} />);
    await user.click(await screen.findByRole('button', { name: 'Re-index samples' }));
    await screen.findByRole('progressbar', { name: 'Indexing samples' });
    finish();
    expect(await screen.findByRole('alert')).toHaveTextContent('Indexing samples failed: Weaviate is not reachable.');
  });

  it("shows the API's sentence when indexing cannot start", async () => {
    server.use(
      http.post('*/api/library/index', () =>
        HttpResponse.json({ error: 'Another folder is being indexed.', code: 'conflict' }, { status: 409 }),
      ),
    );
    const user = userEvent.setup();
    render(<LibraryStatusPanel />);
    await user.click(await screen.findByRole('button', { name: 'Index holiday' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Another folder is being indexed.');
  });

  it('says how to add a folder to an empty library, and looks again on Refresh', async () => {
    let folders: LibraryStatus['folders'] = [];
    server.use(http.get('*/api/library', () => HttpResponse.json({ ...libraryStatus, folders })));
    const user = userEvent.setup();
    render(<LibraryStatusPanel />);
    expect(await screen.findByText(/^Put a folder of photos in/)).toHaveTextContent(
      'Put a folder of photos in /home/me/facesearch/library, then index it here.',
    );
    expect(screen.queryByRole('list', { name: 'Library folders' })).not.toBeInTheDocument();

    folders = libraryStatus.folders;
    await user.click(screen.getByRole('button', { name: 'Refresh' }));
    expect(await screen.findByRole('list', { name: 'Library folders' })).toBeInTheDocument();
  });

  it('forgets a folder only after confirming', async () => {
    const deleted = recordRequests('delete', '*/api/library/folders/*', () => new HttpResponse(null, { status: 204 }));
    const user = userEvent.setup();
    render(<LibraryStatusPanel />);
    await user.click(await screen.findByRole('button', { name: 'Forget samples' }));
    await user.click(within(screen.getByRole('group', { name: 'Confirm forgetting samples' })).getByRole('button', { name: 'Cancel' }));
    expect(deleted).toEqual([]);
    await user.click(screen.getByRole('button', { name: 'Forget samples' }));
    await user.click(screen.getByRole('button', { name: 'Yes, forget' }));
    await vi.waitFor(() => expect(deleted.map((url) => url.pathname)).toEqual(['/api/library/folders/samples']));
  });

  it('shows which folders are watched and what waits, and polls until the changes are indexed', async () => {
    const samples = { ...samplesFolder, watched: true };
    const watcher = { enabled: true, running: true, last_seen: '2026-11-25T17:00:00Z' };
    const changing: LibraryJob = {
      folder: 'samples', state: 'running', done: 1, total: 3, summary: null, error: null, kind: 'changes',
    };
    const steps: LibraryStatus[] = [
      { ...libraryStatus, watcher, folders: [{ ...samples, pending: 3 }, holidayFolder] },
      { ...libraryStatus, watcher, folders: [samples, holidayFolder], changes_job: changing },
      {
        ...libraryStatus,
        watcher,
        folders: [{ ...samples, photos: 15, faces: 34 }, holidayFolder],
        changes_job: {
          ...changing, state: 'done', done: 3,
          summary: 'new 3, changed 0, moved 0, removed 0, unchanged 0, skipped 0; 3 faces added',
        },
      },
    ];
    let step = 0;
    server.use(http.get('*/api/library', () => HttpResponse.json(steps[Math.min(step++, steps.length - 1)])));
    render(<LibraryStatusPanel pollMs={POLL_MS} watchPollMs={POLL_MS} />);

    expect(await screen.findByText('3 changes waiting…')).toBeInTheDocument();
    expect(within(folderItem('samples')).getByText('Watched')).toBeInTheDocument();
    expect(within(folderItem('holiday')).queryByText('Watched')).not.toBeInTheDocument();
    expect(screen.getByText(/Indexed folders are watched/)).toBeInTheDocument();
    expect(await screen.findByText('indexing changes, 1 of 3 photos…')).toBeInTheDocument();
    await waitFor(() => expect(folderItem('samples')).toHaveTextContent('15 photos · 34 faces'));
    expect(within(folderItem('samples')).queryByText(/waiting|indexing/)).not.toBeInTheDocument();
  });

  it('says when the folder watcher is not running, and why the changes of a folder could not be indexed', async () => {
    const failed: LibraryJob = {
      folder: 'samples', state: 'failed', done: 0, total: 0, summary: null, kind: 'changes',
      error: "The folder 'samples' is gone; forget it to take its photos out of the library.",
    };
    server.use(
      http.get('*/api/library', () =>
        HttpResponse.json({
          ...libraryStatus,
          folders: [{ ...samplesFolder, watched: true }, holidayFolder],
          changes_job: failed,
          watcher: { enabled: true, running: false, last_seen: null },
        } satisfies LibraryStatus),
      ),
    );
    render(<LibraryStatusPanel />);
    expect(await screen.findByText(/The folder watcher is not running/)).toHaveTextContent(
      'The folder watcher is not running: changes on disk are indexed when a folder is re-indexed.',
    );
    expect(folderItem('samples')).toHaveTextContent(
      "Indexing the changes failed: The folder 'samples' is gone; forget it to take its photos out of the library.",
    );
    expect(screen.queryByText(/Indexed folders are watched/)).not.toBeInTheDocument();
  });

  it('says what the folder watcher waits for, and why it stopped', async () => {
    const waiting = {
      enabled: true, running: true, last_seen: '2026-11-25T17:00:00Z', state: 'waiting' as const, watching: false,
      note: 'waiting for the library folder /photos, which does not exist',
    };
    const failed = {
      ...waiting, running: false, state: 'failed' as const,
      note: 'The library folder /photos cannot be watched (no more inotify watches).',
    };
    const steps: LibraryStatus[] = [
      { ...libraryStatus, folders: [{ ...samplesFolder, watched: false }], watcher: waiting },
      { ...libraryStatus, folders: [{ ...samplesFolder, watched: false }], watcher: failed },
    ];
    let step = 0;
    server.use(http.get('*/api/library', () => HttpResponse.json(steps[Math.min(step++, steps.length - 1)])));
    render(<LibraryStatusPanel pollMs={POLL_MS} watchPollMs={POLL_MS} />);
    expect(await screen.findByText(/not watching yet/)).toHaveTextContent(
      'The folder watcher is not watching yet: waiting for the library folder /photos, which does not exist.',
    );
    expect(screen.queryByText(/Indexed folders are watched/)).not.toBeInTheDocument();
    expect(await screen.findByText(/The folder watcher is not running/)).toHaveTextContent(
      'Its last word: The library folder /photos cannot be watched (no more inotify watches).',
    );
  });

  it('says when the library cannot be loaded', async () => {
    server.use(http.get('*/api/library', () => HttpResponse.error()));
    render(<LibraryStatusPanel />);
    expect(await screen.findByRole('alert')).toHaveTextContent(/server could not be reached/i);
  });
});
