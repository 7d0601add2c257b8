// End-to-end test of "People in your photos" against the real stack (API + Weaviate + vectorizer) in Debian's Chromium.
// FACESEARCH_URL: the API serving the built page (default http://127.0.0.1:8000); its library holds an indexed folder
//   whose faces are grouped.
// FACESEARCH_API_KEY: a key with write rights, typed into the page's key prompt on the first change.
// FACESEARCH_LIBRARY_FOLDER: that folder, relative to the library root (e.g. "groups-e2e").
// FACESEARCH_GROUP_PATHS: JSON array of photos (relative to the folder) of one person nobody enrolled: the group to name.
// FACESEARCH_GROUP_NAME (optional): the name to give them (default "E2E Person <time>"); removed from the people at
//   the end.
// FACESEARCH_ENROLLED_NAME (optional): an enrolled person's name: naming the group so must ask first (answered No).
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertNoPageErrors, launchBrowser, openPage, screenshot } from './helpers.mjs';

const BASE_URL = process.env.FACESEARCH_URL ?? 'http://127.0.0.1:8000';
const API_KEY = process.env.FACESEARCH_API_KEY ?? '';
const TEST = { timeout: 300_000 };
const CHANGE_WAIT = { timeout: 90_000 };
const SECTION = /^People in your photos/;
const UNNAMED_CARD = /^Open Unnamed, (\d+) faces? in \d+ photos?$/;

/** @param {string} name */
function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (see the top of ${basename(import.meta.url)})`);
  return value;
}

/** @param {string} path @param {RequestInit} [init] @returns {Promise<any>} */
async function api(path, init) {
  const response = await fetch(new URL(path, BASE_URL), {
    ...init,
    headers: { Authorization: `Bearer ${API_KEY}`, ...init?.headers },
  });
  if (!response.ok) throw new Error(`${init?.method ?? 'GET'} ${path}: ${response.status} ${await response.text()}`);
  return response.status === 204 ? null : response.json();
}

/** @typedef {import('playwright-core').Locator} Locator */
/** @typedef {import('playwright-core').Page} Page */

/**
 * Waits for `target`, and fails with the sentence of an alert the section shows instead.
 * @param {Locator} section @param {Locator} target
 */
async function waitOrAlert(section, target, wait = CHANGE_WAIT) {
  const alert = section.getByRole('alert');
  await target.or(alert).first().waitFor(wait);
  if ((await target.count()) === 0) throw new Error(`the page shows an error: ${await alert.first().textContent()}`);
}

/** The faces an open group shows, as their checkboxes name them ("Select <folder>/<path>"). @param {Locator} section */
async function shownFaces(section) {
  const faces = section.getByRole('list', { name: 'Faces in this group' });
  await waitOrAlert(section, faces);
  const labels = await faces.getByRole('checkbox').evaluateAll((boxes) => boxes.map((b) => b.getAttribute('aria-label') ?? ''));
  return labels.map((label) => label.replace(/^Select /, ''));
}

/**
 * What the faces of an open group are shown as (their pictures' alt text, "<name> in <folder>/<path>"), read once the
 * list is there: after a click or a reload the page first says it is loading them.
 * @param {Locator} section
 */
async function facesShownAs(section) {
  const faces = section.getByRole('list', { name: 'Faces in this group' });
  await waitOrAlert(section, faces);
  return faces.getByRole('img').evaluateAll((images) => images.map((image) => image.getAttribute('alt') ?? ''));
}

/**
 * Sends a change that may need the API key: the first one does (the tab has none), and the page asks for it.
 * @param {Page} page @param {Locator} button @param {Locator} answered what the page shows once the change is done
 * @param {Locator} section
 */
async function change(page, button, answered, section) {
  await button.click();
  const prompt = page.getByRole('dialog', { name: 'API key needed' });
  await prompt.or(answered).or(section.getByRole('alert')).first().waitFor(CHANGE_WAIT);
  if (await prompt.isVisible()) {
    await prompt.getByLabel('API key').fill(API_KEY);
    await prompt.getByRole('button', { name: 'Use this key' }).click();
  }
  await waitOrAlert(section, answered);
}

describe(`People in your photos at ${BASE_URL}`, { timeout: 15 * 60_000 }, () => {
  const folder = required('FACESEARCH_LIBRARY_FOLDER');
  /** @type {string[]} */
  const paths = JSON.parse(required('FACESEARCH_GROUP_PATHS'));
  const expected = paths.map((path) => (folder === '.' ? path : `${folder}/${path}`));
  const name = process.env.FACESEARCH_GROUP_NAME ?? `E2E Person ${Date.now().toString(36)}`;
  const enrolled = process.env.FACESEARCH_ENROLLED_NAME ?? '';
  /** @type {import('playwright-core').Browser} */
  let browser;

  before(async () => {
    assert.ok(API_KEY, 'FACESEARCH_API_KEY must hold a key with write rights (python -m facesearch keys create)');
    assert.ok(Array.isArray(paths) && paths.length >= 2, 'FACESEARCH_GROUP_PATHS must be a JSON array of 2 photos or more');
    await api('/api/ready').catch((error) => {
      throw new Error(`The stack is not ready at ${BASE_URL} (start it first): ${error.message}`);
    });
    await api('/api/library/groups').catch((error) => {
      throw new Error(`The API at ${BASE_URL} has no groups (is it up to date?): ${error.message}`);
    });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    const { people } = await api('/api/people').catch(() => ({ people: [] }));
    for (const person of people.filter((/** @type {{ name: string }} */ p) => p.name === name)) {
      await api(`/api/people/${encodeURIComponent(person.id)}`, { method: 'DELETE' });
    }
  });

  /**
   * Opens the unnamed group that holds every photo of FACESEARCH_GROUP_PATHS: each unnamed group big enough is
   * opened in turn, and left again when it is not that one.
   * @param {Locator} section
   */
  async function openTheGroup(section) {
    const list = section.getByRole('list', { name: 'Groups' });
    await waitOrAlert(section, list);
    const cards = await list.getByRole('button').evaluateAll((buttons) => buttons.map((b) => b.getAttribute('aria-label') ?? ''));
    /** @type {string[]} */
    const seen = [];
    for (const card of cards) {
      const faces = Number(UNNAMED_CARD.exec(card)?.[1] ?? 0);
      if (faces < expected.length) continue;
      await list.getByRole('button', { name: card, exact: true }).first().click();
      const shown = await shownFaces(section);
      if (expected.every((face) => shown.includes(face))) return shown;
      seen.push(`${card}: ${shown.join(', ')}`);
      await section.getByRole('button', { name: 'All groups' }).click();
      await list.waitFor();
    }
    throw new Error(`no unnamed group holds ${expected.join(', ')}; the page lists ${cards.join('; ')}\n${seen.join('\n')}`);
  }

  it('names a group and shows the name on its faces', TEST, async () => {
    const { page, context, problems } = await openPage(browser, BASE_URL);
    try {
      await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'People in photos' }).click();
      const section = page.getByRole('region', { name: SECTION });
      const shown = await openTheGroup(section);
      await section.getByRole('heading', { name: 'Unnamed', exact: true }).waitFor();
      await screenshot(page, 'groups');

      const nameButton = section.getByRole('button', { name: 'Name…' });
      const field = section.getByLabel('Name', { exact: true });
      if (enrolled) {
        // An enrolled person's name asks first; "Cancel" leaves the group as it was.
        await nameButton.click();
        await field.fill(enrolled);
        const ask = section.getByRole('group', { name: `Confirm adding these faces to ${enrolled}` });
        await change(page, section.getByRole('button', { name: 'Save name' }), ask, section);
        assert.equal(await ask.locator('p').textContent(), `${enrolled} is already enrolled. Add these faces to ${enrolled}?`);
        await ask.getByRole('button', { name: 'Cancel' }).click();
        await section.getByRole('button', { name: 'Cancel' }).click();
        await section.getByRole('heading', { name: 'Unnamed', exact: true }).waitFor();
      }

      await nameButton.click();
      await field.fill(name);
      const named = section.getByRole('heading', { name, exact: true });
      await change(page, section.getByRole('button', { name: 'Save name' }), named, section);
      await section.getByRole('status').filter({ hasText: `Named this group ${name}.` }).waitFor();

      // The name is on every face of the group, and the group is listed under it.
      assert.deepEqual(await facesShownAs(section), shown.map((where) => `${name} in ${where}`));
      await screenshot(page, 'groups-named');
      await section.getByRole('button', { name: 'All groups' }).click();
      await section.getByRole('button', { name: new RegExp(`^Open ${name}, \\d+ faces? in \\d+ photos?$`) }).waitFor();

      // Naming enrolled them: the people list shows them, and so does the page when it is opened again.
      const people = page.getByRole('region', { name: /^People(?: \d+)?$/ });
      await people.getByRole('list', { name: 'Enrolled people' }).getByRole('heading', { name, exact: true }).waitFor();
      await page.reload();
      await section.getByRole('button', { name: new RegExp(`^Open ${name},`) }).click();
      const again = await facesShownAs(section);
      for (const where of expected) assert.ok(again.includes(`${name} in ${where}`), `${where} is not shown as ${name}'s`);
      assertNoPageErrors(problems);
    } finally {
      await context.close();
    }
  });
});
