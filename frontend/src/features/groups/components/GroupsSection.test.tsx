import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import type { Group, GroupDetail, GroupingJob, GroupList, Suggestion } from '@/features/groups/api/groups';
import { keepKey } from '@/lib/api-key';
import { adaGroup, groupList, otherGroup, strangerDetail, strangerGroup } from '@/testing/fixtures';
import { recordRequests, server } from '@/testing/server';
import { GroupsSection } from './GroupsSection';

const POLL_MS = 10;

type Sent = { path: string; body: unknown; auth: string | null };

/**
 * A fake library of groups behind the API: the changes the page sends are recorded (path, JSON body, key) and
 * change what the next GET answers.
 */
function groupsStore({ groups = groupList.groups, suggestions = [] as Suggestion[] } = {}) {
  let list: Group[] = [...groups];
  let hiddenList: Group[] = [];
  let detail: GroupDetail = strangerDetail;
  let pairs = [...suggestions];
  let grouping: GroupingJob | null = null;
  const sent: Sent[] = [];
  const record = async (request: Request) => {
    const path = new URL(request.url).pathname;
    const body: unknown = request.headers.get('Content-Type') === 'application/json' ? await request.json() : null;
    sent.push({ path, body, auth: request.headers.get('Authorization') });
    return body as Record<string, unknown>;
  };
  const replace = (group: Group) => {
    list = list.map((g) => (g.id === group.id ? group : g));
    if (detail.group.id === group.id) detail = { ...detail, group };
  };
  server.use(
    http.get('*/api/library/groups', ({ request }) => {
      const hidden = new URL(request.url).searchParams.get('hidden') === 'true';
      return HttpResponse.json({ ...groupList, groups: hidden ? hiddenList : list, grouping } satisfies GroupList);
    }),
    http.get('*/api/library/groups/suggestions', () => HttpResponse.json({ suggestions: pairs })),
    http.get('*/api/library/groups/:id', ({ params }) =>
      params.id === detail.group.id
        ? HttpResponse.json(detail)
        : HttpResponse.json({ error: 'There is no such group.', code: 'not_found' }, { status: 404 }),
    ),
    http.post('*/api/library/groups/:id/name', async ({ request, params }) => {
      const { name, merge } = (await record(request)) as { name: string; merge: boolean };
      if (name === adaGroup.name && !merge) {
        return HttpResponse.json(
          { error: 'Ada Lovelace is already enrolled: name the group with merge to add its faces to her.', code: 'person_exists' },
          { status: 409 },
        );
      }
      if (merge) {
        const joined = { ...adaGroup, faces: adaGroup.faces + detail.faces.length };
        list = list.filter((g) => g.id !== params.id).map((g) => (g.id === adaGroup.id ? joined : g));
        detail = { ...strangerDetail, group: joined };
        return HttpResponse.json({ group: joined });
      }
      const named = { ...detail.group, name, person_id: name.replace(/ /g, '_') };
      replace(named);
      return HttpResponse.json({ group: named });
    }),
    http.post('*/api/library/groups/:id/remove', async ({ request }) => {
      const { faces } = (await record(request)) as { faces: string[] };
      const left = detail.faces.filter((f) => !faces.includes(f.face_id));
      detail = { group: { ...detail.group, faces: left.length, photos: left.length }, faces: left };
      replace(detail.group);
      return HttpResponse.json({ group: detail.group, removed: faces.length });
    }),
    http.post('*/api/library/groups/:id/move', async ({ request }) => {
      const { faces, to } = (await record(request)) as { faces: string[]; to: string };
      const left = detail.faces.filter((f) => !faces.includes(f.face_id));
      detail = { group: { ...detail.group, faces: left.length, photos: left.length }, faces: left };
      replace(detail.group);
      const target = list.find((g) => g.id === to) ?? otherGroup;
      const joined = { ...target, faces: target.faces + faces.length };
      replace(joined);
      return HttpResponse.json({ group: detail.group, to: joined, moved: faces.length });
    }),
    http.post('*/api/library/groups/:id/hide', async ({ request }) => {
      const { hidden } = (await record(request)) as { hidden: boolean };
      const changed = { ...detail.group, hidden };
      list = list.filter((g) => g.id !== changed.id);
      hiddenList = hidden ? [changed] : [];
      if (!hidden) list = [...list, changed];
      detail = { ...detail, group: changed };
      return HttpResponse.json({ group: changed });
    }),
    http.post('*/api/library/groups/merge', async ({ request }) => {
      const { into, from } = (await record(request)) as { into: string; from: string[] };
      const target = list.find((g) => g.id === into) ?? adaGroup;
      const gone = list.filter((g) => from.includes(g.id));
      const merged = { ...target, faces: target.faces + gone.reduce((n, g) => n + g.faces, 0) };
      list = list.filter((g) => !from.includes(g.id)).map((g) => (g.id === into ? merged : g));
      pairs = [];
      return HttpResponse.json({ group: merged });
    }),
    http.post('*/api/library/groups/suggestions/dismiss', async ({ request }) => {
      await record(request);
      pairs = [];
      return new HttpResponse(null, { status: 204 });
    }),
    http.post('*/api/library/groups/regroup', async ({ request }) => {
      await record(request);
      grouping = { folder: '', state: 'running', done: 10, total: 40, summary: null, error: null, kind: 'regroup' };
      return HttpResponse.json(grouping, { status: 202 });
    }),
  );
  const finishGrouping = (ending: Pick<GroupingJob, 'state' | 'summary' | 'error'>, regrouped: Group[] = list) => {
    if (!grouping) throw new Error('no grouping job');
    grouping = { ...grouping, ...ending, done: 40 };
    list = regrouped;
  };
  return { sent, finishGrouping };
}

const section = () => screen.getByRole('region', { name: /^People in your photos/ });
const groupsList = () => within(section()).findByRole('list', { name: 'Groups' });
const cardNames = async () =>
  within(await groupsList())
    .getAllByRole('button')
    .map((button) => button.getAttribute('aria-label'));

/** Renders the section and opens the stranger's group (3 faces nobody named). */
async function openStranger(props: Parameters<typeof GroupsSection>[0] = {}) {
  const user = userEvent.setup();
  render(<GroupsSection {...props} />);
  await user.click(await screen.findByRole('button', { name: 'Open Unnamed, 3 faces in 3 photos' }));
  await screen.findByRole('list', { name: 'Faces in this group' });
  return user;
}

const faceBox = (where: string) => screen.getByRole('checkbox', { name: `Select ${where}` });

describe('GroupsSection', () => {
  it('lists the groups biggest first, with their cover, name or "Unnamed", and counts', async () => {
    groupsStore();
    render(<GroupsSection />);
    expect(await cardNames()).toEqual([
      'Open Ada Lovelace, 4 faces in 4 photos',
      'Open Unnamed, 3 faces in 3 photos',
      'Open Unnamed, 2 faces in 2 photos',
    ]);
    const ada = screen.getByRole('button', { name: /^Open Ada Lovelace/ });
    expect(within(ada).getByRole('presentation')).toHaveAttribute('src', '/api/library/faces/fa1/image');
    expect(ada).toHaveTextContent('Ada Lovelace4 faces · 4 photos');
    expect(section()).toHaveTextContent('Groups of 2 faces or more, biggest first.');
    expect(section()).toHaveTextContent('5 faces are in no group yet.');
    expect(screen.getByRole('heading', { level: 2 })).toHaveTextContent('People in your photos 3');
  });

  it('lists the hidden groups instead when asked', async () => {
    const asked: string[] = [];
    server.use(
      http.get('*/api/library/groups', ({ request }) => {
        const hidden = new URL(request.url).searchParams.get('hidden') === 'true';
        asked.push(new URL(request.url).search);
        return HttpResponse.json({ ...groupList, groups: hidden ? [{ ...otherGroup, hidden: true }] : groupList.groups });
      }),
    );
    const user = userEvent.setup();
    render(<GroupsSection />);
    await groupsList();
    await user.click(screen.getByLabelText('Show hidden groups'));
    const hidden = await screen.findByRole('list', { name: 'Hidden groups' });
    expect(within(hidden).getByRole('button', { name: 'Open Unnamed, 2 faces in 2 photos' })).toHaveTextContent('Hidden');
    expect(asked).toEqual(['', '?hidden=true']);
    await user.click(screen.getByLabelText('Show hidden groups'));
    expect(await groupsList()).toBeInTheDocument();
  });

  it('says when there are no groups yet', async () => {
    server.use(http.get('*/api/library/groups', () => HttpResponse.json({ ...groupList, groups: [], ungrouped: 0 })));
    render(<GroupsSection />);
    expect(await screen.findByText(/^No groups yet/)).toHaveTextContent(
      'No groups yet. Index a folder under “Find in photos”: its faces are grouped here by person.',
    );
  });

  it('groups again, shows the progress while it runs, then the new groups and suggestions', async () => {
    const { sent, finishGrouping } = groupsStore();
    const suggested = recordRequests('get', '*/api/library/groups/suggestions', () => HttpResponse.json({ suggestions: [] }));
    const user = userEvent.setup();
    render(<GroupsSection pollMs={POLL_MS} />);
    await user.click(await screen.findByRole('button', { name: 'Group again' }));

    const progress = await screen.findByRole('progressbar', { name: 'Grouping the library’s faces again' });
    expect(progress).toHaveAttribute('aria-valuenow', '10');
    expect(progress).toHaveAttribute('aria-valuemax', '40');
    expect(screen.getByRole('button', { name: 'Group again' })).toBeDisabled();
    expect(sent.map((s) => s.path)).toEqual(['/api/library/groups/regroup']);

    finishGrouping({ state: 'done', summary: '40 faces in 2 groups; 5 left ungrouped', error: null }, [adaGroup, otherGroup]);
    expect(await screen.findByText(/^Last grouped again/)).toHaveTextContent(
      'Last grouped again: 40 faces in 2 groups; 5 left ungrouped',
    );
    expect(screen.queryByRole('progressbar')).not.toBeInTheDocument();
    expect(await cardNames()).toHaveLength(2);
    expect(screen.getByRole('button', { name: 'Group again' })).toBeEnabled();
    // Asked on loading, after "Group again", and once more when the grouping ended.
    await waitFor(() => expect(suggested).toHaveLength(3));
  });

  it('says why grouping failed', async () => {
    const { finishGrouping } = groupsStore();
    const user = userEvent.setup();
    render(<GroupsSection pollMs={POLL_MS} />);
    await user.click(await screen.findByRole('button', { name: 'Group again' }));
    await screen.findByRole('progressbar', { name: 'Grouping the library’s faces again' });
    finishGrouping({ state: 'failed', summary: null, error: 'Weaviate is not reachable.' });
    expect(await screen.findByRole('alert')).toHaveTextContent('Grouping the faces again failed: Weaviate is not reachable.');
  });

  it("opens a group: its faces with their photo's path and date, newest first, and goes back", async () => {
    groupsStore();
    const user = await openStranger();
    expect(screen.getByRole('heading', { name: 'Unnamed' })).toHaveFocus();
    expect(section()).toHaveTextContent('3 faces · 3 photos');
    const faces = within(screen.getByRole('list', { name: 'Faces in this group' })).getAllByRole('listitem');
    expect(faces.map((face) => face.textContent)).toEqual([
      '2025/reunion.jpgsamplestaken 1 Jun 2025',
      'party.jpgtaken 12 Mar 2024',
      'old/scan.jpgsamples',
    ]);
    expect(within(faces[0] as HTMLElement).getByRole('img')).toHaveAttribute('src', '/api/library/faces/fs1/image');
    expect(within(faces[0] as HTMLElement).getByRole('img')).toHaveAccessibleName('Face in samples/2025/reunion.jpg');

    await user.click(screen.getByRole('button', { name: 'All groups' }));
    expect(await screen.findByRole('button', { name: 'Open Unnamed, 3 faces in 3 photos' })).toHaveFocus();
  });

  it('selects faces one by one and all at once', async () => {
    groupsStore();
    const user = await openStranger();
    const all = screen.getByRole('checkbox', { name: 'Select all' });
    expect(screen.getByRole('button', { name: 'Not this person' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Move to…' })).toBeDisabled();

    await user.click(faceBox('party.jpg'));
    expect(screen.getByText('1 face selected')).toBeInTheDocument();
    expect(all).toHaveProperty('indeterminate', true);
    expect(screen.getByRole('button', { name: 'Not this person' })).toBeEnabled();

    await user.click(all);
    expect(screen.getByText('3 faces selected')).toBeInTheDocument();
    expect(all).toBeChecked();
    expect(faceBox('samples/old/scan.jpg')).toBeChecked();
    await user.click(all);
    expect(faceBox('party.jpg')).not.toBeChecked();
  });

  it('takes the selected faces out of the group ("Not this person"), with the API key of the tab', async () => {
    keepKey('fs_write');
    const { sent } = groupsStore();
    const user = await openStranger();
    await user.click(faceBox('party.jpg'));
    await user.click(faceBox('samples/old/scan.jpg'));
    await user.click(screen.getByRole('button', { name: 'Not this person' }));

    expect(await screen.findByRole('status')).toHaveTextContent('Took 2 faces out of this group.');
    expect(sent).toEqual([
      { path: '/api/library/groups/g-stranger/remove', body: { faces: ['fs2', 'fs3'] }, auth: 'Bearer fs_write' },
    ]);
    expect(within(screen.getByRole('list', { name: 'Faces in this group' })).getAllByRole('listitem')).toHaveLength(1);
    expect(section()).toHaveTextContent('1 face · 1 photo');
    expect(screen.getByRole('button', { name: 'Not this person' })).toBeDisabled();
  });

  it('moves the selected faces to another group picked from the list', async () => {
    const { sent } = groupsStore();
    const user = await openStranger();
    await user.click(faceBox('samples/2025/reunion.jpg'));
    await user.click(screen.getByRole('button', { name: 'Move to…' }));

    const picker = screen.getByRole('group', { name: 'Move 1 face to another group' });
    const targets = within(picker).getAllByRole('button', { name: /^Move to/ });
    expect(targets.map((t) => t.getAttribute('aria-label'))).toEqual([
      'Move to Ada Lovelace, 4 faces',
      'Move to Unnamed, 2 faces',
    ]);
    await user.click(within(picker).getByRole('button', { name: 'Move to Unnamed, 2 faces' }));

    expect(await screen.findByRole('status')).toHaveTextContent('Moved 1 face to Unnamed.');
    expect(sent).toEqual([
      { path: '/api/library/groups/g-stranger/move', body: { faces: ['fs1'], to: 'g-other' }, auth: null },
    ]);
    expect(screen.queryByRole('group', { name: /^Move/ })).not.toBeInTheDocument();
    expect(within(screen.getByRole('list', { name: 'Faces in this group' })).getAllByRole('listitem')).toHaveLength(2);
  });

  it('names a group, shows the name on its faces and tells the page the people changed', async () => {
    const { sent } = groupsStore();
    const onPeopleChanged = vi.fn();
    const user = await openStranger({ onPeopleChanged });
    await user.click(screen.getByRole('button', { name: 'Name…' }));
    await user.type(within(section()).getByLabelText('Name'), '  Grace Hopper ');
    await user.click(screen.getByRole('button', { name: 'Save name' }));

    expect(await screen.findByRole('status')).toHaveTextContent('Named this group Grace Hopper.');
    expect(screen.getByRole('heading', { name: 'Grace Hopper' })).toBeInTheDocument();
    const images = within(screen.getByRole('list', { name: 'Faces in this group' })).getAllByRole('img');
    expect(images.map((img) => img.getAttribute('alt'))).toEqual([
      'Grace Hopper in samples/2025/reunion.jpg',
      'Grace Hopper in party.jpg',
      'Grace Hopper in samples/old/scan.jpg',
    ]);
    expect(sent).toEqual([
      { path: '/api/library/groups/g-stranger/name', body: { name: 'Grace Hopper', merge: false }, auth: null },
    ]);
    expect(onPeopleChanged).toHaveBeenCalledTimes(1);
    expect(screen.queryByLabelText('Name')).not.toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'All groups' }));
    expect(await screen.findByRole('button', { name: 'Open Grace Hopper, 3 faces in 3 photos' })).toBeInTheDocument();
  });

  it("asks before adding the faces to an enrolled person of that name, and adds them when told to", async () => {
    const { sent } = groupsStore();
    const user = await openStranger();
    await user.click(screen.getByRole('button', { name: 'Name…' }));
    await user.type(within(section()).getByLabelText('Name'), 'Ada Lovelace{Enter}');

    const confirm = await screen.findByRole('group', { name: 'Confirm adding these faces to Ada Lovelace' });
    expect(confirm).toHaveTextContent('Ada Lovelace is already enrolled. Add these faces to Ada Lovelace?');
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
    await user.click(within(confirm).getByRole('button', { name: 'Yes, add them' }));

    expect(await screen.findByRole('status')).toHaveTextContent('Added these faces to Ada Lovelace.');
    expect(await screen.findByRole('heading', { name: 'Ada Lovelace' })).toBeInTheDocument();
    expect(section()).toHaveTextContent('7 faces · 4 photos');
    expect(sent.map((s) => s.body)).toEqual([
      { name: 'Ada Lovelace', merge: false },
      { name: 'Ada Lovelace', merge: true },
    ]);
  });

  it('keeps the group apart when the person says no', async () => {
    const { sent } = groupsStore();
    const user = await openStranger();
    await user.click(screen.getByRole('button', { name: 'Name…' }));
    await user.type(within(section()).getByLabelText('Name'), 'Ada Lovelace{Enter}');
    const confirm = await screen.findByRole('group', { name: /^Confirm adding/ });
    await user.click(within(confirm).getByRole('button', { name: 'Cancel' }));

    expect(within(section()).getByLabelText('Name')).toHaveValue('Ada Lovelace');
    expect(screen.getByRole('heading', { name: 'Unnamed' })).toBeInTheDocument();
    expect(sent).toHaveLength(1);
  });

  it('hides a group and shows it again', async () => {
    const { sent } = groupsStore();
    const user = await openStranger();
    await user.click(screen.getByRole('button', { name: 'Hide' }));
    expect(await screen.findByRole('status')).toHaveTextContent('This group is hidden');
    expect(within(section()).getByText('Hidden')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Show again' }));
    expect(await screen.findByText('This group is shown again.')).toBeInTheDocument();
    expect(sent.map((s) => s.body)).toEqual([{ hidden: true }, { hidden: false }]);

    await user.click(screen.getByRole('button', { name: 'All groups' }));
    expect(await cardNames()).toContain('Open Unnamed, 3 faces in 3 photos');
  });

  it("shows the API's sentence when a change is refused", async () => {
    groupsStore();
    server.use(
      http.post('*/api/library/groups/:id/remove', () =>
        HttpResponse.json({ error: 'A face given is not in this group.', code: 'bad_request' }, { status: 400 }),
      ),
    );
    const user = await openStranger();
    await user.click(faceBox('party.jpg'));
    await user.click(screen.getByRole('button', { name: 'Not this person' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('A face given is not in this group.');
    expect(faceBox('party.jpg')).toBeChecked();
  });

  it('says when a group is gone', async () => {
    groupsStore();
    server.use(
      http.get('*/api/library/groups/:id', () =>
        HttpResponse.json({ error: 'There is no such group.', code: 'not_found' }, { status: 404 }),
      ),
    );
    const user = userEvent.setup();
    render(<GroupsSection />);
    await user.click(await screen.findByRole('button', { name: 'Open Unnamed, 3 faces in 3 photos' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('There is no such group.');
    await user.click(screen.getByRole('button', { name: 'All groups' }));
    expect(await groupsList()).toBeInTheDocument();
  });

  describe('merge suggestions', () => {
    const pair: Suggestion = { a: strangerGroup, b: adaGroup, similarity: 0.912 };

    it('shows each pair with both covers, and merges them into the named group on "Same person"', async () => {
      const { sent } = groupsStore({ suggestions: [pair] });
      const user = userEvent.setup();
      render(<GroupsSection />);
      const suggestion = await screen.findByRole('group', { name: 'Unnamed, 3 faces and Ada Lovelace, 4 faces' });
      expect(within(suggestion).getAllByRole('presentation').map((img) => img.getAttribute('src'))).toEqual([
        '/api/library/faces/fs1/image',
        '/api/library/faces/fa1/image',
      ]);
      expect(suggestion).toHaveTextContent('0.91');
      await user.click(within(suggestion).getByRole('button', { name: 'Same person' }));

      expect(await screen.findByRole('status')).toHaveTextContent('Merged the two groups: Ada Lovelace, 7 faces.');
      expect(sent).toEqual([{ path: '/api/library/groups/merge', body: { into: 'g-ada', from: ['g-stranger'] }, auth: null }]);
      expect(screen.queryByRole('list', { name: 'Merge suggestions' })).not.toBeInTheDocument();
      expect(await cardNames()).toEqual(['Open Ada Lovelace, 7 faces in 4 photos', 'Open Unnamed, 2 faces in 2 photos']);
    });

    it('dismisses a pair on "Not the same"', async () => {
      const { sent } = groupsStore({ suggestions: [pair] });
      const user = userEvent.setup();
      render(<GroupsSection />);
      const suggestion = await screen.findByRole('group', { name: /and Ada Lovelace/ });
      await user.click(within(suggestion).getByRole('button', { name: 'Not the same' }));
      expect(await screen.findByRole('status')).toHaveTextContent('They will not be suggested again.');
      expect(sent).toEqual([
        { path: '/api/library/groups/suggestions/dismiss', body: { a: 'g-stranger', b: 'g-ada' }, auth: null },
      ]);
      await waitFor(() => expect(screen.queryByRole('list', { name: 'Merge suggestions' })).not.toBeInTheDocument());
      expect(await cardNames()).toHaveLength(3);
    });
  });

  it('says when the groups cannot be loaded, and tries again', async () => {
    let fail = true;
    server.use(
      http.get('*/api/library/groups', () =>
        fail ? HttpResponse.json({ error: 'Weaviate is not ready.', code: 'not_ready' }, { status: 503 }) : HttpResponse.json(groupList),
      ),
    );
    const user = userEvent.setup();
    render(<GroupsSection />);
    expect(await screen.findByRole('alert')).toHaveTextContent('Weaviate is not ready.');
    fail = false;
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await groupsList()).toBeInTheDocument();
  });
});
