import { fireEvent, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { findResult, matchResult, personFindResult } from '@/testing/fixtures';
import { imageFile } from '@/testing/files';
import { recordRequests, server } from '@/testing/server';
import { App } from './App';

describe('App', () => {
  it('has a section for each task, linked from the header', async () => {
    render(<App />);
    const nav = screen.getByRole('navigation', { name: 'Sections' });
    expect(within(nav).getByRole('link', { name: 'Find in photos' })).toHaveAttribute('href', '#library');
    expect(screen.getByRole('region', { name: 'Who is in this photo?' })).toBeInTheDocument();
    expect(screen.getByRole('region', { name: 'Find in photos' })).toHaveAttribute('id', 'library');
    expect(await screen.findByRole('region', { name: /^People/ })).toBeInTheDocument();
  });

  it("shows a person's library photos in Find in photos when their card asks", async () => {
    const finds = recordRequests('get', '*/api/library/find', () => HttpResponse.json(personFindResult));
    const user = userEvent.setup();
    render(<App />);
    await user.click(await screen.findByRole('button', { name: 'Find in photos: Paul Rudd' }));

    const library = screen.getByRole('region', { name: 'Find in photos' });
    expect(await within(library).findByRole('heading', { name: 'Photos of Paul Rudd' })).toBeInTheDocument();
    expect(within(library).getAllByRole('button', { name: /^Open / })).toHaveLength(2);
    expect(library).toHaveFocus();
    expect(finds.map((url) => url.search)).toEqual(['?person=paul_rudd&threshold=0.94']);

    await user.click(screen.getByRole('button', { name: 'Find in photos: Paul Rudd' }));
    await vi.waitFor(() => expect(finds).toHaveLength(2));
  });

  it('sends a paste to Find in photos when the focus is there, and to the people search otherwise', async () => {
    const calls: string[] = [];
    server.use(
      http.post('*/api/search', () => (calls.push('search'), HttpResponse.json(matchResult))),
      http.post('*/api/library/find', () => (calls.push('library'), HttpResponse.json(findResult))),
    );
    render(<App />);
    fireEvent.paste(document.body, { clipboardData: { files: [imageFile()] } });
    expect(await screen.findByRole('heading', { name: 'Face 1: Paul Rudd' })).toBeInTheDocument();
    const library = screen.getByRole('region', { name: 'Find in photos' });
    library.focus();
    fireEvent.paste(library, { clipboardData: { files: [imageFile()] } });
    expect(await within(library).findByRole('heading', { name: '2 photos' })).toBeInTheDocument();
    expect(calls).toEqual(['search', 'library']);
  });
});
