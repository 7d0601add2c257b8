import { fireEvent, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { HttpResponse } from 'msw';
import { findResult, libraryMatches, personFindResult } from '@/testing/fixtures';
import { imageFile } from '@/testing/files';
import { recordRequests } from '@/testing/server';
import { formatTaken } from './format';
import { LibrarySection } from './LibrarySection';

const section = () => screen.getByRole('region', { name: 'Find in photos' });
const range = () => within(section()).getByRole('group', { name: 'When the photos were taken' });
const from = () => within(range()).getByLabelText('From');
const to = () => within(range()).getByLabelText('To');
const order = () => within(range()).getByRole('combobox', { name: 'Order' });
const resultPaths = () =>
  within(screen.getByRole('list', { name: 'Photos found' }))
    .getAllByRole('button')
    .map((button) => button.getAttribute('aria-label')?.replace(/^Open (.+), similarity .*$/, '$1'));

/** Answers POST /api/library/find with `matches` in the order given, and records each request's URL. */
function answerFind(matches = findResult.matches) {
  return recordRequests('post', '*/api/library/find', () => HttpResponse.json({ ...findResult, matches }));
}

async function choose() {
  const user = userEvent.setup({ applyAccept: false });
  render(<LibrarySection />);
  await user.upload(within(section()).getByLabelText(/choose a photo/i), imageFile());
  return user;
}

describe('When the photos were taken', () => {
  it('shows when each photo was taken, and whether the date is its file’s', async () => {
    answerFind();
    await choose();
    const camera = await screen.findByRole('button', { name: /^Open group-2\.jpg/ });
    expect(camera).toHaveTextContent('taken 12 Mar 2024');
    expect(screen.getByRole('button', { name: /^Open beach\/day-1\.jpg/ })).toHaveTextContent('file date 5 Aug 2023');
  });

  it('asks for nothing more until days or an order are chosen, then searches again with them', async () => {
    const queries = answerFind();
    const user = await choose();
    await screen.findByRole('heading', { name: '2 photos' });
    expect(from()).toHaveAttribute('type', 'date');
    expect(to()).toHaveAttribute('type', 'date');
    expect(order()).toHaveValue('match');

    fireEvent.change(from(), { target: { value: '2024-01-01' } });
    await screen.findByRole('heading', { name: '2 photos' });
    fireEvent.change(to(), { target: { value: '2024-06-30' } });
    await user.selectOptions(order(), 'Newest first');
    await screen.findByRole('heading', { name: '2 photos' });
    expect(queries.map((q) => q.searchParams.toString())).toEqual([
      'threshold=0.94',
      'threshold=0.94&since=2024-01-01',
      'threshold=0.94&since=2024-01-01&until=2024-06-30',
      'threshold=0.94&since=2024-01-01&until=2024-06-30&sort=newest',
    ]);
    expect(to()).toHaveAttribute('min', '2024-01-01');
    expect(from()).toHaveAttribute('max', '2024-06-30');
  });

  it('shows the photos in the order the API gives them', async () => {
    const queries = answerFind([...libraryMatches].reverse());
    const user = await choose();
    await screen.findByRole('heading', { name: '2 photos' });
    await user.selectOptions(order(), 'Oldest first');
    expect(queries.at(-1)?.searchParams.get('sort')).toBe('oldest');
    expect(resultPaths()).toEqual(['beach/day-1.jpg', 'group-2.jpg']);
  });

  it('keeps the days for the next search, and says when none is found in them', async () => {
    const finds = recordRequests('get', '*/api/library/find', () => HttpResponse.json({ ...personFindResult, matches: [] }));
    const { rerender } = render(<LibrarySection />);
    fireEvent.change(from(), { target: { value: '2025-01-01' } });
    expect(finds).toEqual([]); // nothing to search yet
    rerender(<LibrarySection personSearch={{ id: 1, person: { id: 'paul_rudd', name: 'Paul Rudd' } }} />);
    expect(await screen.findByText('No photos above this threshold taken in these days')).toBeInTheDocument();
    expect(finds.map((url) => url.search)).toEqual(['?person=paul_rudd&threshold=0.94&since=2025-01-01']);
  });

  it('says so, and does not search, when “From” is after “To”', async () => {
    const queries = answerFind();
    await choose();
    await screen.findByRole('heading', { name: '2 photos' });
    fireEvent.change(to(), { target: { value: '2024-06-30' } });
    await screen.findByRole('heading', { name: '2 photos' });
    fireEvent.change(from(), { target: { value: '2024-07-01' } });
    expect(within(range()).getByRole('alert')).toHaveTextContent('The “From” day is after the “To” day');
    expect(queries).toHaveLength(2);
    fireEvent.change(from(), { target: { value: '2024-06-30' } });
    await screen.findByRole('heading', { name: '2 photos' });
    expect(within(range()).queryByRole('alert')).not.toBeInTheDocument();
    expect(queries.at(-1)?.searchParams.toString()).toBe('threshold=0.94&since=2024-06-30&until=2024-06-30');
  });
});

describe('formatTaken', () => {
  it('shows the day as the clock read it, whatever the reader’s zone', () => {
    expect(formatTaken('2024-03-12T23:59:00', 'camera')).toBe('taken 12 Mar 2024');
    expect(formatTaken('2024-03-12T00:00:00', 'file')).toBe('file date 12 Mar 2024');
    expect(formatTaken(null, null)).toBeNull();
    expect(formatTaken('soon', 'camera')).toBeNull();
  });
});
