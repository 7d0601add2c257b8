// "Use camera" in the people search, in Debian's Chromium with a fake camera, against the real stack.
// FACESEARCH_URL: the API serving the built page (default http://127.0.0.1:8000).
// FACESEARCH_QUERY_PHOTO: a photo of one enrolled person (default ../look_for/Ted_Lieu.jpg);
// FACESEARCH_PERSON_NAME: their name (default Ted Lieu).
// The test turns the photo into a short YUV4MPEG2 video, which Chromium's fake camera plays in a loop
// (--use-fake-device-for-media-stream --use-file-for-fake-video-capture=<video>).
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { assertNoPageErrors, launchBrowser, PEOPLE_SEARCH, screenshot, searchInput } from './helpers.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const BASE_URL = process.env.FACESEARCH_URL ?? 'http://127.0.0.1:8000';
const QUERY = process.env.FACESEARCH_QUERY_PHOTO ?? join(HERE, '..', '..', 'look_for', 'Ted_Lieu.jpg');
const PERSON = process.env.FACESEARCH_PERSON_NAME ?? 'Ted Lieu';
const FAKE_CAMERA = '--use-fake-device-for-media-stream';
const TEST = { timeout: 180_000 };

/** @typedef {{ width: number, height: number, rgba: Buffer }} Pixels */

/**
 * The photo's pixels, decoded by Chromium (Node has no JPEG decoder), cropped to even sides for 4:2:0.
 * @param {import('playwright-core').Browser} browser @param {string} path @returns {Promise<Pixels>}
 */
async function decode(browser, path) {
  const page = await browser.newPage();
  try {
    const { width, height, base64 } = await page.evaluate(async (dataUrl) => {
      const image = new Image();
      image.src = dataUrl;
      await image.decode();
      const canvas = document.createElement('canvas');
      canvas.width = image.naturalWidth & ~1;
      canvas.height = image.naturalHeight & ~1;
      const g = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
      g.drawImage(image, 0, 0);
      const bytes = g.getImageData(0, 0, canvas.width, canvas.height).data;
      let text = '';
      for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return { width: canvas.width, height: canvas.height, base64: btoa(text) };
    }, `data:image/jpeg;base64,${(await readFile(path)).toString('base64')}`);
    return { width, height, rgba: Buffer.from(base64, 'base64') };
  } finally {
    await page.close();
  }
}

/**
 * A YUV4MPEG2 video of `frames` copies of the picture: 4:2:0, BT.601 studio range (what Chromium assumes).
 * @param {Pixels} pixels @param {number} [frames] @returns {Buffer}
 */
function y4m({ width, height, rgba }, frames = 3) {
  const luma = Buffer.alloc(width * height);
  const blue = Buffer.alloc((width * height) / 4);
  const red = Buffer.alloc((width * height) / 4);
  const rgb = (/** @type {number} */ i) => [rgba[i] ?? 0, rgba[i + 1] ?? 0, rgba[i + 2] ?? 0];
  for (let p = 0; p < width * height; p++) {
    const [r, g, b] = rgb(p * 4);
    luma[p] = Math.round(16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255);
  }
  for (let y = 0; y < height; y += 2) {
    for (let x = 0; x < width; x += 2) {
      const corners = [0, 1, width, width + 1].map((d) => rgb((y * width + x + d) * 4));
      const [r, g, b] = [0, 1, 2].map((c) => corners.reduce((sum, px) => sum + (px[c] ?? 0), 0) / 4);
      const q = (y / 2) * (width / 2) + x / 2;
      blue[q] = Math.round(128 + (-37.797 * r - 74.203 * g + 112 * b) / 255);
      red[q] = Math.round(128 + (112 * r - 93.786 * g - 18.214 * b) / 255);
    }
  }
  const frame = Buffer.concat([Buffer.from('FRAME\n'), luma, blue, red]);
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F30:1 Ip A1:1 C420jpeg\n`);
  return Buffer.concat([header, ...Array.from({ length: frames }, () => frame)]);
}

/** @typedef {{ streams: MediaStream[], uploads: string[] }} Recorded */

/**
 * Keeps, in `window.recorded`, every stream the page gets from getUserMedia (to see whether it was stopped) and
 * the name and type of every file it uploads (Chromium does not show a test the file parts of a request's body).
 */
function record() {
  /** @type {Recorded} */
  const recorded = { streams: [], uploads: [] };
  Object.defineProperty(window, 'recorded', { value: recorded });
  const devices = navigator.mediaDevices;
  const getUserMedia = devices.getUserMedia.bind(devices);
  devices.getUserMedia = async (constraints) => {
    const stream = await getUserMedia(constraints);
    recorded.streams.push(stream);
    return stream;
  };
  const send = window.fetch.bind(window);
  window.fetch = (input, init) => {
    if (init?.body instanceof FormData) {
      init.body.forEach((value) => value instanceof File && recorded.uploads.push(`${value.name} ${value.type}`));
    }
    return send(input, init);
  };
}

/** @param {import('playwright-core').Page} page @returns {Promise<Recorded>} */
const recorded = (page) => page.evaluate(() => /** @type {{ recorded: Recorded }} */ (/** @type {unknown} */ (window)).recorded);

/** The camera tracks the page got and how many of them still run. @param {import('playwright-core').Page} page */
const cameraTracks = (page) =>
  page.evaluate(() => {
    const { streams } = /** @type {{ recorded: Recorded }} */ (/** @type {unknown} */ (window)).recorded;
    const tracks = streams.flatMap((stream) => stream.getTracks());
    return { total: tracks.length, live: tracks.filter((track) => track.readyState === 'live').length };
  });

/** @param {import('playwright-core').Browser} browser */
async function openPage(browser) {
  const context = await browser.newContext({ baseURL: BASE_URL, viewport: { width: 1280, height: 900 } });
  await context.addInitScript(record);
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  /** @type {string[]} */
  const problems = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  await page.goto('/');
  const region = page.getByRole('region', { name: PEOPLE_SEARCH, exact: true });
  await region.waitFor();
  return { page, context, region, problems };
}

/** Waits until the button may be pressed. @param {import('playwright-core').Locator} button */
async function enabled(button) {
  await button.page().waitForFunction((element) => element instanceof HTMLButtonElement && !element.disabled, await button.elementHandle());
}

/**
 * The names the people search shows for the photo's faces, once it answers (an error fails).
 * @param {import('playwright-core').Locator} region
 */
async function answer(region) {
  const alert = region.getByRole('alert');
  await region.getByRole('heading', { name: /^\d+ faces? found$/ }).or(alert).first().waitFor({ timeout: 90_000 });
  if (await alert.count()) throw new Error(`the page shows an error: ${await alert.first().textContent()}`);
  const headings = await region.getByRole('heading', { name: /^Face \d+: / }).allTextContents();
  return headings.map((text) => text.replace(/^Face \d+:\s*/, ''));
}

describe(`the camera on the page at ${BASE_URL}`, { timeout: 10 * 60_000 }, () => {
  /** @type {string} */
  let folder;
  /** @type {Pixels} */
  let pixels;
  /** @type {import('playwright-core').Browser} */
  let browser;

  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'facesearch-camera-'));
    const plain = await launchBrowser();
    try {
      pixels = await decode(plain, QUERY);
    } finally {
      await plain.close();
    }
    const video = join(folder, 'camera.y4m');
    await writeFile(video, y4m(pixels));
    // --use-fake-ui-for-media-stream answers the camera prompt with yes.
    browser = await launchBrowser([FAKE_CAMERA, '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${video}`]);
  });
  after(async () => {
    await browser?.close();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  it(`takes a photo of ${basename(QUERY)} with the camera and names ${PERSON}`, TEST, async () => {
    const { page, context, region, problems } = await openPage(browser);
    try {
      await region.getByRole('button', { name: 'Use camera' }).click();
      const camera = region.getByRole('group', { name: 'Camera' });
      const preview = camera.getByLabel('Camera preview');
      await preview.waitFor();
      const take = camera.getByRole('button', { name: 'Take photo' });
      await enabled(take); // once the preview has shown a frame
      const size = await preview.evaluate((video) => [/** @type {HTMLVideoElement} */ (video).videoWidth, /** @type {HTMLVideoElement} */ (video).videoHeight]);
      assert.deepEqual(size, [pixels.width, pixels.height], 'the preview plays the photo made into a video');
      assert.ok(await take.evaluate((button) => button === document.activeElement), 'Take photo has the focus');
      await screenshot(page, 'camera');

      await take.click();
      assert.deepEqual(await answer(region), [PERSON]);
      assert.deepEqual((await recorded(page)).uploads, ['camera.jpg image/jpeg']);
      await region.getByRole('img', { name: 'Your photo, with 1 face marked' }).waitFor();
      assert.equal(await camera.count(), 0, 'the camera closed');
      assert.deepEqual(await cameraTracks(page), { total: 1, live: 0 }, 'the camera was stopped');
      await screenshot(page, 'camera-result');
      assertNoPageErrors(problems);
    } finally {
      await context.close();
    }
  });

  it('stops the camera on Cancel and gives the focus back to "Use camera"', TEST, async () => {
    const { page, context, region, problems } = await openPage(browser);
    try {
      await region.getByRole('button', { name: 'Use camera' }).click();
      const camera = region.getByRole('group', { name: 'Camera' });
      await enabled(camera.getByRole('button', { name: 'Take photo' }));
      assert.deepEqual(await cameraTracks(page), { total: 1, live: 1 });
      await camera.getByRole('button', { name: 'Cancel' }).click();
      await camera.waitFor({ state: 'detached' });
      assert.deepEqual(await cameraTracks(page), { total: 1, live: 0 });
      const useCamera = region.getByRole('button', { name: 'Use camera' });
      assert.ok(await useCamera.evaluate((button) => button === document.activeElement), '"Use camera" has the focus');
      assertNoPageErrors(problems);
    } finally {
      await context.close();
    }
  });

  it('says so when the camera is not allowed, and a chosen photo still works', TEST, async () => {
    const denying = await launchBrowser([FAKE_CAMERA, '--deny-permission-prompts']);
    try {
      const { page, region, problems } = await openPage(denying);
      await region.getByRole('button', { name: 'Use camera' }).click();
      await region.getByRole('alert').filter({ hasText: 'The camera was not allowed.' }).waitFor();
      assert.equal(await region.getByRole('group', { name: 'Camera' }).count(), 0);
      await screenshot(page, 'camera-refused');

      await searchInput(page).setInputFiles(QUERY);
      await region.getByRole('heading', { name: /^\d+ faces? found$/ }).waitFor({ timeout: 90_000 });
      const headings = await region.getByRole('heading', { name: /^Face \d+: / }).allTextContents();
      assert.deepEqual(headings, [`Face 1: ${PERSON}`]);
      assertNoPageErrors(problems);
    } finally {
      await denying.close();
    }
  });
});
