// The page against an API whose reads need a key too (FACESEARCH_API_READ_KEY_REQUIRED=true), in Chromium.
// FACESEARCH_URL: that API, serving the built page. FACESEARCH_API_KEY: a key with read (or write) rights.
// FACESEARCH_QUERY_PHOTO: a photo of an enrolled person; FACESEARCH_PERSON_NAME: their name.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertNoPageErrors, launchBrowser, openPage, searchInput } from './helpers.mjs';

const BASE_URL = process.env.FACESEARCH_URL ?? 'http://127.0.0.1:8000';
const API_KEY = process.env.FACESEARCH_API_KEY ?? '';
const QUERY = process.env.FACESEARCH_QUERY_PHOTO ?? '';
const PERSON = process.env.FACESEARCH_PERSON_NAME ?? '';

describe(`the page at ${BASE_URL} with read keys required`, { timeout: 10 * 60_000 }, () => {
  /** @type {import('playwright-core').Browser} */
  let browser;

  before(async () => {
    assert.ok(API_KEY && QUERY && PERSON, 'set FACESEARCH_API_KEY, FACESEARCH_QUERY_PHOTO and FACESEARCH_PERSON_NAME');
    browser = await launchBrowser();
  });
  after(async () => browser?.close());

  it('asks for the key on the first read, then shows the people with their photos and searches', { timeout: 300_000 }, async () => {
    const { page, context, problems } = await openPage(browser, BASE_URL);
    try {
      const dialog = page.getByRole('dialog', { name: 'API key needed' });
      await dialog.getByLabel('API key').fill(API_KEY);
      await dialog.getByRole('button', { name: 'Use this key' }).click();
      await dialog.waitFor({ state: 'detached' });

      const people = page.getByRole('region', { name: /^People(?: \d+)?$/ });
      const avatar = people.getByRole('img', { name: `Photo of ${PERSON}` });
      await avatar.waitFor();
      // An <img> cannot send the key: the photo must arrive anyway (fetched with it), not stay broken.
      await page.waitForFunction((img) => img instanceof HTMLImageElement && img.complete && img.naturalWidth > 0, await avatar.elementHandle());

      const file = { name: basename(QUERY), mimeType: 'image/jpeg', buffer: await readFile(QUERY) };
      await searchInput(page).setInputFiles(file);
      const region = page.getByRole('region', { name: 'Who is in this photo?' });
      await region.getByRole('heading', { name: `Face 1: ${PERSON}` }).waitFor({ timeout: 90_000 });

      await page.reload();
      await people.getByRole('heading', { name: PERSON, exact: true }).waitFor();
      assert.equal(await page.getByRole('dialog').count(), 0, 'the tab kept the key: no second prompt');
      assertNoPageErrors(problems);
    } finally {
      await context.close();
    }
  });
});
