// End-to-end test of "Find in photos" against the real stack (API + Weaviate + vectorizer) in Debian's Chromium.
// FACESEARCH_URL: the API serving the built page (default http://127.0.0.1:8000); its library holds an indexed folder.
// FACESEARCH_LIBRARY_FOLDER: that folder, relative to the library root (e.g. "e2e").
// FACESEARCH_QUERY_PHOTO: a photo (JPEG, PNG, WebP, HEIC or AVIF) with one face.
// FACESEARCH_EXPECTED_PATHS: JSON array of the photos (relative to the folder) that face is in; all must be shown.
// FACESEARCH_PERSON_ID: an enrolled person, the same person as the query photo.
// FACESEARCH_SCREENSHOT_DIR (optional): where to save library.png as well.
import assert from 'node:assert/strict';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  assertNoPageErrors,
  dropFile,
  launchBrowser,
  LIBRARY_SEARCH,
  openPage,
  screenshot,
  SCREENSHOTS,
} from './helpers.mjs';

const BASE_URL = process.env.FACESEARCH_URL ?? 'http://127.0.0.1:8000';
const TEST = { timeout: 180_000 };
const SEARCH_WAIT = { timeout: 90_000 };
const MIME = {
  '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.png': 'image/png', '.webp': 'image/webp',
  '.heic': 'image/heic', '.heif': 'image/heif', '.avif': 'image/avif',
};
const COUNT_HEADING = /^(\d+ photos?|No photos above this threshold)$/;
const RESULT_NAME = /^Open (.+), similarity (\d+\.\d+)$/;

/** @param {string} name */
function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (see the top of ${basename(import.meta.url)})`);
  return value;
}

/** @param {string} path @returns {Promise<any>} */
async function api(path) {
  const response = await fetch(new URL(path, BASE_URL));
  if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

/** @typedef {{ path: string, similarity: number }} Shown */

/**
 * The photos the Find in photos section shows, in order, from the results' accessible names.
 * @param {import('playwright-core').Locator} section
 * @returns {Promise<Shown[]>}
 */
async function shownPhotos(section) {
  const list = section.getByRole('list', { name: 'Photos found' });
  if ((await list.count()) === 0) return [];
  const names = await list.getByRole('button').evaluateAll((buttons) => buttons.map((b) => b.getAttribute('aria-label') ?? ''));
  return names.map((name) => {
    const parts = RESULT_NAME.exec(name);
    assert.ok(parts, `a result is named "${name}"`);
    return { path: parts[1] ?? '', similarity: Number(parts[2]) };
  });
}

/** The slider's value. @param {import('playwright-core').Locator} section */
async function sliderValue(section) {
  return Number(await section.getByRole('slider', { name: 'Similarity threshold' }).inputValue());
}

/**
 * Waits for the answer of a search: the given heading, or an error of the search (not of indexing).
 * @param {import('playwright-core').Locator} section @param {string | RegExp} heading
 */
async function waitForAnswer(section, heading) {
  const title = section.getByRole('heading', { name: heading });
  const alert = section.getByRole('alert').filter({ hasNotText: /^Indexing / });
  await title.or(alert).first().waitFor(SEARCH_WAIT);
  if ((await title.count()) === 0) throw new Error(`the page shows an error: ${await alert.first().textContent()}`);
  return title;
}

/** Waits (5 s at most) for the images inside `locator` to load. @param {import('playwright-core').Locator} locator */
async function imagesLoaded(locator) {
  await locator.evaluate((element) => {
    const pending = Array.from(element.querySelectorAll('img')).filter((img) => !img.complete);
    const loaded = pending.map((img) => new Promise((resolve) => img.addEventListener('load', resolve, { once: true })));
    return Promise.race([Promise.all(loaded), new Promise((resolve) => setTimeout(resolve, 5000))]);
  });
}

/**
 * Saves the whole of the section, however tall, with a margin of the page around it.
 * @param {import('playwright-core').Page} page @param {import('playwright-core').Locator} section @param {string} path
 */
async function sectionScreenshot(page, section, path) {
  await section.scrollIntoViewIfNeeded();
  await imagesLoaded(section);
  const box = await section.evaluate((element) => {
    const r = element.getBoundingClientRect();
    return { x: r.x + window.scrollX, y: r.y + window.scrollY, width: r.width, height: r.height };
  });
  const margin = 16;
  await page.screenshot({
    path,
    fullPage: true,
    clip: { x: Math.max(0, box.x - margin), y: Math.max(0, box.y - margin), width: box.width + 2 * margin, height: box.height + 2 * margin },
  });
}

/** @param {Shown[]} shown @param {string[]} expected @param {string} what */
function assertAllShown(shown, expected, what) {
  const paths = shown.map((s) => s.path);
  const missing = expected.filter((path) => !paths.includes(path));
  assert.deepEqual(missing, [], `${what}: missing ${missing.join(', ')}; the page shows ${paths.join(', ') || 'nothing'}`);
}

describe(`Find in photos at ${BASE_URL}`, { timeout: 15 * 60_000 }, () => {
  const folder = required('FACESEARCH_LIBRARY_FOLDER');
  const queryPhoto = required('FACESEARCH_QUERY_PHOTO');
  const personId = required('FACESEARCH_PERSON_ID');
  /** @type {string[]} */
  const expected = JSON.parse(required('FACESEARCH_EXPECTED_PATHS'));
  /** @type {import('playwright-core').Browser} */
  let browser;
  let personName = '';
  /** @type {{ name: string, mimeType: string, buffer: Buffer }} */
  let upload;

  before(async () => {
    assert.ok(Array.isArray(expected) && expected.length > 0, 'FACESEARCH_EXPECTED_PATHS must be a non-empty JSON array');
    await api('/api/ready').catch((error) => {
      throw new Error(`The stack is not ready at ${BASE_URL} (start it first): ${error.message}`);
    });
    const library = await api('/api/library');
    const indexed = library.folders.find((/** @type {{ folder: string, indexed: boolean }} */ f) => f.folder === folder);
    assert.ok(indexed?.indexed, `folder "${folder}" is not indexed in ${library.root}`);
    const person = (await api('/api/people')).people.find((/** @type {{ id: string }} */ p) => p.id === personId);
    assert.ok(person, `no enrolled person "${personId}"`);
    personName = person.name;
    const mimeType = MIME[/** @type {keyof typeof MIME} */ (extname(queryPhoto).toLowerCase())];
    assert.ok(mimeType, `${queryPhoto} is not a JPEG, PNG, WebP, HEIC or AVIF file`);
    upload = { name: basename(queryPhoto), mimeType, buffer: await readFile(queryPhoto) };
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
  });

  /** @param {(page: import('playwright-core').Page, section: import('playwright-core').Locator) => Promise<void>} body */
  async function withPage(body) {
    const { page, context, problems } = await openPage(browser, BASE_URL);
    try {
      await body(page, page.getByRole('region', { name: LIBRARY_SEARCH, exact: true }));
      assertNoPageErrors(problems);
    } finally {
      await context.close();
    }
  }

  it('lists the indexed folder', TEST, () =>
    withPage(async (page, section) => {
      const name = folder === '.' ? 'The library folder itself' : folder;
      const item = section
        .getByRole('list', { name: 'Library folders' })
        .getByRole('listitem')
        .filter({ has: page.getByRole('heading', { name, exact: true }) });
      await item.waitFor();
      assert.doesNotMatch((await item.textContent()) ?? '', /Not indexed yet/);
    }));

  it('finds every photo of the face, filters with the slider and opens a photo', TEST, (t) =>
    withPage(async (page, section) => {
      await dropFile(page, upload, LIBRARY_SEARCH);
      const count = await waitForAnswer(section, COUNT_HEADING);
      const countText = (await count.textContent()) ?? '';
      const threshold = await sliderValue(section);
      const shown = await shownPhotos(section);
      assertAllShown(shown, expected, `at the default threshold ${threshold}`);
      for (const { path, similarity } of shown) {
        // Similarities are shown to 3 decimals; the slider moves in steps of 0.001.
        assert.ok(similarity >= threshold - 0.0005, `${path} (similarity ${similarity}) is shown below the threshold ${threshold}`);
      }
      const similarities = shown.map((s) => s.similarity);
      assert.deepEqual(similarities, [...similarities].sort((a, b) => b - a), 'the best photos come first');
      await mkdir(SCREENSHOTS, { recursive: true });
      await sectionScreenshot(page, section, join(SCREENSHOTS, 'library.png'));
      const docs = process.env.FACESEARCH_SCREENSHOT_DIR;
      if (docs && resolve(docs) !== SCREENSHOTS) {
        await mkdir(docs, { recursive: true });
        await copyFile(join(SCREENSHOTS, 'library.png'), join(docs, 'library.png'));
      }

      // The slider filters at once: at 1 nothing is left (the query photo is not in the library).
      await section.getByRole('slider', { name: 'Similarity threshold' }).focus();
      await page.keyboard.press('End');
      assert.equal(await sliderValue(section), 1);
      await section.getByRole('heading', { name: 'No photos above this threshold' }).waitFor({ timeout: 5_000 });
      await section.getByRole('button', { name: 'Reset to default' }).click();
      await section.getByRole('heading', { name: countText, exact: true }).waitFor();
      assert.equal(await sliderValue(section), threshold);

      const first = shown[0];
      assert.ok(first, 'no photo is shown');
      await section.getByRole('list', { name: 'Photos found' }).getByRole('button').first().click();
      const dialog = page.getByRole('dialog', { name: first.path, exact: true });
      const people = dialog.getByRole('list', { name: 'People in this photo' });
      await people.or(dialog.getByRole('alert')).first().waitFor({ timeout: 30_000 });
      assert.ok((await dialog.getByTestId('face-box').count()) >= 1, 'the photo has no face box');
      const names = await people.getByRole('listitem').allTextContents();
      assert.ok(names.includes(personName), `expected ${personName} in ${first.path}; the photo names: ${names.join(', ') || 'nobody'}`);
      await imagesLoaded(dialog);
      await page.screenshot({ path: join(SCREENSHOTS, 'library-photo.png') });
      await dialog.getByRole('button', { name: 'Close' }).click();
      await dialog.waitFor({ state: 'detached' });

      await section.getByRole('list', { name: 'Photos found' }).getByRole('button').first().click();
      await dialog.waitFor();
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
    }));

  it("shows the person's photos from their card", TEST, () =>
    withPage(async (page, section) => {
      const people = page.getByRole('region', { name: /^People(?: \d+)?$/ });
      const card = people
        .getByRole('list', { name: 'Enrolled people' })
        .getByRole('listitem')
        .filter({ has: page.getByRole('heading', { name: personName, exact: true }) });
      await card.waitFor();
      assert.match((await card.textContent()) ?? '', /In \d+ library photos?|Not in any library photo/);
      await card.getByRole('button', { name: `Find in photos: ${personName}` }).click();
      await waitForAnswer(section, `Photos of ${personName}`);
      assertAllShown(await shownPhotos(section), expected, `the photos of ${personName}`);
      await screenshot(page, 'library-person');

      // Each photo says when it was taken; days no photo was taken in leave none, and clearing them brings all back.
      const results = section.getByRole('list', { name: 'Photos found' }).getByRole('button');
      for (const text of await results.allTextContents()) {
        assert.match(text, /(taken|file date) \d{1,2} \w+ \d{4}/, `a result says when its photo was taken: ${text}`);
      }
      const from = section.getByRole('group', { name: 'When the photos were taken' }).getByLabel('From');
      await from.fill('2999-01-01');
      await section.getByText('No photos above this threshold taken in these days').waitFor(SEARCH_WAIT);
      await from.fill('');
      await results.first().waitFor(SEARCH_WAIT);
      assertAllShown(await shownPhotos(section), expected, `the photos of ${personName}, any day`);
    }));
});
