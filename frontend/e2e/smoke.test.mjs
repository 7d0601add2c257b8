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
    await page.getByRole('alert').filter({ hasText: '“notes.txt” is not a JPEG, PNG or WebP image.' }).waitFor();
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

  it('fits a phone screen (375px) without sideways scrolling', TEST, async () => {
    searchAnswer = matched;
    const { page, context } = await open({ width: 375, height: 800 });
    await searchInput(page).setInputFiles({ name: 'x.png', mimeType: 'image/png', buffer: facePng });
    await page.getByRole('heading', { name: 'Face 1: Ada Lovelace' }).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than the screen`);
    await screenshot(page, 'smoke-phone');
    await context.close();
  });
});
