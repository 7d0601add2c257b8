// Smoke test of the built page in Chromium against `vite preview`, with the API faked by page.route().
// It needs no running API: `npm run e2e:smoke` builds dist/ first.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  assertNoPageErrors,
  drawPng,
  dropFile,
  launchBrowser,
  LIBRARY_SEARCH,
  openPage,
  screenshot,
  searchInput,
} from './helpers.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const TEST = { timeout: 60_000 };

const ada = {
  id: 'ada_lovelace',
  name: 'Ada Lovelace',
  photo_count: 1,
  photos: [{ id: 'a1', filename: '1.png', photo_url: '/api/photos/a1' }],
  library_photos: 2,
};
const box = { left: 160, top: 96, right: 320, bottom: 288 };
const candidate = { person_id: ada.id, name: ada.name, photo_id: 'a1', filename: '1.png', photo_url: '/api/photos/a1' };
const matched = {
  width: 800,
  height: 600,
  faces: [{ index: 1, box, match: { ...candidate, certainty: 0.953 }, candidates: [{ ...candidate, certainty: 0.953, accepted: true }] }],
};
const unknown = {
  width: 800,
  height: 600,
  faces: [{ index: 1, box, match: null, candidates: [{ ...candidate, certainty: 0.42, accepted: false }] }],
};

const config = { threshold: 0.9725, margin: 0.0075, max_upload_mb: 10, default_limit: 1, max_limit: 10, library_threshold: 0.97, library_threshold_min: 0.94 };
const library = {
  root: '/home/me/facesearch/library',
  folders: [
    { folder: 'samples', indexed: true, photos: 12, faces: 31, last_indexed: '2026-11-25T16:02:11Z', skipped: [{ path: 'broken.jpg', reason: 'The image could not be read.' }] },
    { folder: 'holiday', indexed: false, photos: 0, faces: 0, last_indexed: null, skipped: [] },
  ],
  job: { folder: 'samples', state: 'done', done: 12, total: 12, summary: 'new 12, changed 0, moved 0, removed 0, unchanged 0, skipped 1; 31 faces', error: null },
};
// The library photos are the drawn face (800 × 600), its face at the box above.
/** @param {string} id @param {string} path @param {number} similarity @param {string | null} name */
const libraryMatch = (id, path, similarity, name) => ({
  photo_id: id, folder: 'samples', path, similarity, box, person_id: name ? ada.id : null, name,
  width: 800, height: 600, image_url: `/api/library/photos/${id}/image`,
});
const libraryMatches = [
  libraryMatch('l1', 'group-2.jpg', 0.991, ada.name),
  libraryMatch('l2', 'beach/day-1.jpg', 0.975, ada.name),
  libraryMatch('l3', 'party.jpg', 0.955, null),
];
const found = { width: 800, height: 600, faces: [{ index: 1, box }], query: 1, note: null, threshold: 0.94, matches: libraryMatches };
const libraryPhoto = {
  photo_id: 'l1', folder: 'samples', path: 'group-2.jpg', width: 800, height: 600, image_url: '/api/library/photos/l1/image',
  faces: [
    { face_id: 'f1', box, person_id: ada.id, name: ada.name },
    { face_id: 'f2', box: { left: 560, top: 120, right: 660, bottom: 240 }, person_id: null, name: null },
  ],
};
// People in your photos: Ada's group (she is enrolled) and a stranger's nobody named, which may be one person.
/** @param {string} id @param {string | null} name @param {number} faces */
const group = (id, name, faces) => ({
  id, name, person_id: name ? ada.id : null, faces, photos: faces, hidden: false,
  cover: { face_id: `${id}-1`, face_url: `/api/library/faces/${id}-1/image` },
});
const groups = { groups: [group('g1', ada.name, 4), group('g2', null, 3)], ungrouped: 2, min_faces: 2, grouping: null };
const strangerFaces = {
  group: group('g2', null, 3),
  faces: ['beach/day-1.jpg', 'party.jpg', 'group-2.jpg'].map((path, i) => ({
    face_id: `g2-${i + 1}`, photo_id: `l${i + 1}`, folder: 'samples', path, box, width: 800, height: 600,
    image_url: `/api/library/photos/l${i + 1}/image`, face_url: `/api/library/faces/g2-${i + 1}/image`,
    taken_at: '2024-03-12T14:30:00', taken_from: 'camera',
  })),
};
const suggestions = { suggestions: [{ a: group('g2', null, 3), b: group('g1', ada.name, 4), similarity: 0.91 }] };

/** @returns {Promise<number>} */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** @param {string} url */
async function waitForServer(url, deadline = Date.now() + 20_000) {
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`vite preview did not answer at ${url}`);
}

describe('the built page (API faked)', { timeout: 180_000 }, () => {
  /** @type {import('node:child_process').ChildProcess} */
  let preview;
  /** @type {import('playwright-core').Browser} */
  let browser;
  let baseURL = '';
  /** @type {object | 'network-error'} */
  let searchAnswer = matched;
  let searches = 0;
  /** @type {Buffer} */
  let facePng = Buffer.alloc(0);

  before(async () => {
    const port = await freePort();
    baseURL = `http://127.0.0.1:${port}`;
    preview = spawn(process.execPath, ['node_modules/vite/bin/vite.js', 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], {
      cwd: ROOT,
      stdio: 'ignore',
    });
    await waitForServer(baseURL);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    preview?.kill();
  });

  /** @param {{ width: number, height: number }} [viewport] */
  async function open(viewport) {
    const opened = await openPage(browser, baseURL, viewport);
    const { page } = opened;
    if (facePng.length === 0) facePng = await drawPng(page, { width: 800, height: 600, face: true });
    await page.route('**/api/people', (route) => route.fulfill({ json: { people: [ada] } }));
    await page.route('**/api/photos/*', (route) => route.fulfill({ body: facePng, contentType: 'image/png' }));
    await page.route('**/api/config', (route) => route.fulfill({ json: config }));
    await page.route('**/api/library', (route) => route.fulfill({ json: library }));
    await page.route('**/api/library/find*', (route) =>
      route.fulfill({ json: route.request().method() === 'POST' ? found : { person: { id: ada.id, name: ada.name }, threshold: 0.94, matches: libraryMatches } }),
    );
    await page.route('**/api/library/photos/*/image*', (route) => route.fulfill({ body: facePng, contentType: 'image/png' }));
    await page.route('**/api/library/photos/*', (route) => route.fulfill({ json: libraryPhoto }));
    await page.route('**/api/library/groups', (route) => route.fulfill({ json: groups }));
    // The last route added is tried first: "suggestions" is not taken for a group's id.
    await page.route('**/api/library/groups/*', (route) => route.fulfill({ json: strangerFaces }));
    await page.route('**/api/library/groups/suggestions', (route) => route.fulfill({ json: suggestions }));
    await page.route('**/api/library/faces/*/image', (route) => route.fulfill({ body: facePng, contentType: 'image/png' }));
    await page.route('**/api/search*', (route) => {
      searches += 1;
      return searchAnswer === 'network-error' ? route.abort('connectionrefused') : route.fulfill({ json: searchAnswer });
    });
    await page.reload();
    await page.getByRole('heading', { name: 'Ada Lovelace' }).waitFor();
    return opened;
  }

  it('shows the empty page and the people', TEST, async () => {
    const { page, context, problems } = await open();
    assert.equal(await page.getByText('1 photo', { exact: true }).count(), 1);
    assert.ok(await page.getByRole('img', { name: 'Photo of Ada Lovelace' }).isVisible());
    await screenshot(page, 'smoke-empty');
    assertNoPageErrors(problems);
    await context.close();
  });

  it('refuses a text file without uploading it', TEST, async () => {
    const { page, context } = await open();
    const before = searches;
    await searchInput(page).setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
    await page.getByRole('alert').filter({ hasText: '“notes.txt” is not a JPEG, PNG, WebP, HEIC or AVIF image.' }).waitFor();
    assert.equal(searches, before);
    await context.close();
  });

  it('shows a dropped photo with a scaled, numbered box and the match', TEST, async () => {
    searchAnswer = matched;
    const { page, context, problems } = await open();
    await dropFile(page, { name: 'ada.png', mimeType: 'image/png', buffer: facePng });
    await page.getByRole('heading', { name: 'Face 1: Ada Lovelace' }).waitFor();
    await page.getByText('95.3%').waitFor();
    const image = await page.getByRole('img', { name: 'Your photo, with 1 face marked' }).boundingBox();
    const drawn = await page.getByTestId('face-box').boundingBox();
    assert.ok(image && drawn);
    const scale = image.width / 800;
    assert.ok(Math.abs(drawn.x - image.x - box.left * scale) < 2, 'box left is scaled');
    assert.ok(Math.abs(drawn.width - (box.right - box.left) * scale) < 2, 'box width is scaled');
    await screenshot(page, 'smoke-result');
    await page.getByRole('button', { name: 'Show top 5 candidates' }).click();
    await page.getByRole('list', { name: 'Closest people to face 1' }).waitFor();
    assertNoPageErrors(problems);
    await context.close();
  });

  it('says Unknown person', TEST, async () => {
    searchAnswer = unknown;
    const { page, context } = await open();
    await searchInput(page).setInputFiles({ name: 'x.png', mimeType: 'image/png', buffer: facePng });
    await page.getByRole('heading', { name: 'Face 1: Unknown person' }).waitFor();
    await screenshot(page, 'smoke-unknown');
    await context.close();
  });

  it('says when the server cannot be reached', TEST, async () => {
    searchAnswer = 'network-error';
    const { page, context } = await open();
    await searchInput(page).setInputFiles({ name: 'x.png', mimeType: 'image/png', buffer: facePng });
    await page.getByRole('alert').filter({ hasText: 'The server could not be reached' }).waitFor();
    await screenshot(page, 'smoke-error');
    await context.close();
  });

  it('finds a face in the library, filters with the slider and opens a photo', TEST, async () => {
    const { page, context, problems } = await open();
    const section = page.getByRole('region', { name: LIBRARY_SEARCH, exact: true });
    await section.getByRole('list', { name: 'Library folders' }).waitFor();
    await dropFile(page, { name: 'ada.png', mimeType: 'image/png', buffer: facePng }, LIBRARY_SEARCH);
    await section.getByRole('heading', { name: '2 photos' }).waitFor();
    const results = section.getByRole('list', { name: 'Photos found' }).getByRole('button');
    assert.deepEqual(await results.evaluateAll((buttons) => buttons.map((b) => b.getAttribute('aria-label'))), [
      'Open group-2.jpg, similarity 0.991',
      'Open beach/day-1.jpg, similarity 0.975',
    ]);
    const thumb = await results.first().locator('img').boundingBox();
    const drawn = await results.first().getByTestId('match-box').boundingBox();
    assert.ok(thumb && drawn);
    assert.ok(Math.abs(drawn.x - thumb.x - box.left * (thumb.width / 800)) < 2, 'thumbnail box left is scaled');
    await section.scrollIntoViewIfNeeded();
    await screenshot(page, 'smoke-library');

    const slider = section.getByRole('slider', { name: 'Similarity threshold' });
    await slider.focus();
    await page.keyboard.press('End');
    await section.getByRole('heading', { name: 'No photos above this threshold' }).waitFor();
    await section.getByRole('button', { name: 'Reset to default' }).click();
    await section.getByRole('heading', { name: '2 photos' }).waitFor();

    await results.first().click();
    const dialog = page.getByRole('dialog', { name: 'group-2.jpg' });
    await dialog.getByRole('list', { name: 'People in this photo' }).getByText(ada.name).waitFor();
    assert.equal(await dialog.getByTestId('face-box').count(), 2);
    await screenshot(page, 'smoke-library-photo');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });

    await page.getByRole('button', { name: `Find in photos: ${ada.name}` }).click();
    await section.getByRole('heading', { name: `Photos of ${ada.name}` }).waitFor();
    assertNoPageErrors(problems);
    await context.close();
  });

  it('shows the people in your photos, a merge suggestion, and opens a group', TEST, async () => {
    const { page, context, problems } = await open();
    const section = page.getByRole('region', { name: /^People in your photos/ });
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'People in photos' }).click();
    const list = section.getByRole('list', { name: 'Groups' });
    await list.waitFor();
    assert.deepEqual(await list.getByRole('button').evaluateAll((buttons) => buttons.map((b) => b.getAttribute('aria-label'))), [
      'Open Ada Lovelace, 4 faces in 4 photos',
      'Open Unnamed, 3 faces in 3 photos',
    ]);
    await section.getByRole('group', { name: 'Unnamed, 3 faces and Ada Lovelace, 4 faces' }).waitFor();
    await section.scrollIntoViewIfNeeded();
    await screenshot(page, 'smoke-groups');

    await list.getByRole('button', { name: 'Open Unnamed, 3 faces in 3 photos' }).click();
    const faces = section.getByRole('list', { name: 'Faces in this group' });
    await faces.waitFor();
    assert.equal(await faces.getByRole('listitem').count(), 3);
    await section.getByRole('checkbox', { name: 'Select all' }).check();
    await section.getByText('3 faces selected').waitFor();
    await screenshot(page, 'smoke-group');
    assertNoPageErrors(problems);
    await context.close();
  });

  it('fits a phone screen (375px) without sideways scrolling', TEST, async () => {
    searchAnswer = matched;
    const { page, context } = await open({ width: 375, height: 800 });
    await searchInput(page).setInputFiles({ name: 'x.png', mimeType: 'image/png', buffer: facePng });
    await page.getByRole('heading', { name: 'Face 1: Ada Lovelace' }).waitFor();
    await dropFile(page, { name: 'ada.png', mimeType: 'image/png', buffer: facePng }, LIBRARY_SEARCH);
    await page.getByRole('heading', { name: '2 photos' }).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than the screen`);
    await screenshot(page, 'smoke-phone');

    const groupsSection = page.getByRole('region', { name: /^People in your photos/ });
    await groupsSection.getByRole('button', { name: 'Open Unnamed, 3 faces in 3 photos' }).click();
    await groupsSection.getByRole('list', { name: 'Faces in this group' }).waitFor();
    await groupsSection.getByRole('button', { name: 'Name…' }).click();
    const wider = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(wider <= 0, `with a group open, the page is ${wider}px wider than the screen`);
    await context.close();
  });
});
