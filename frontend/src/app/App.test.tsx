import { fireEvent, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { findResult, matchResult, paulRudd, personFindResult, strangerGroup } from '@/testing/fixtures';
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
    expect(await screen.findByRole('region', { name: /^People(?: \d+)?$/ })).toBeInTheDocument();
    expect(within(nav).getByRole('link', { name: /^People in photos/ })).toHaveAttribute('href', '#groups');
    expect(screen.getByRole('region', { name: /^People in your photos/ })).toHaveAttribute('id', 'groups');
  });

  it('lists the person a group was named after among the people', async () => {
    let people = [paulRudd];
    server.use(
      http.get('*/api/people', () => HttpResponse.json({ people })),
      http.post('*/api/library/groups/:id/name', () => {
        people = [...people, { id: 'Grace_Hopper', name: 'Grace Hopper', photo_count: 2, photos: [] }];
        return HttpResponse.json({ group: { ...strangerGroup, name: 'Grace Hopper', person_id: 'Grace_Hopper' } });
      }),
    );
    const user = userEvent.setup();
    render(<App />);
    const groups = screen.getByRole('region', { name: /^People in your photos/ });
    await user.click(await within(groups).findByRole('button', { name: 'Open Unnamed, 3 faces in 3 photos' }));
    await user.click(await within(groups).findByRole('button', { name: 'Name…' }));
    await user.type(within(groups).getByLabelText('Name'), 'Grace Hopper{Enter}');

    const list = screen.getByRole('list', { name: 'Enrolled people' });
    expect(await within(list).findByRole('heading', { name: 'Grace Hopper' })).toBeInTheDocument();
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
