// Shared pieces of the end-to-end tests: Debian's Chromium through playwright-core, file drops, screenshots.
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const SCREENSHOTS = join(dirname(fileURLToPath(import.meta.url)), 'screenshots');

/**
 * Launches headless Chromium with a fresh temporary profile (launch() makes and removes it).
 * @param {string[]} [extraArgs] more command-line switches (the camera test's fake camera)
 */
export function launchBrowser(extraArgs = []) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      ...extraArgs,
    ],
  });
}

/**
 * @param {import('playwright-core').Browser} browser
 * @param {string} baseURL
 * @param {{ width: number, height: number }} [viewport]
 */
export async function openPage(browser, baseURL, viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ baseURL, viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  /** @type {string[]} */
  const problems = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  await page.goto('/');
  await page.getByRole('heading', { name: 'Who is in this photo?' }).waitFor();
  return { page, context, problems };
}

/** @param {import('playwright-core').Page} page @param {string} name */
export async function screenshot(page, name) {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** The page's two search areas, by their accessible names. */
export const PEOPLE_SEARCH = 'Who is in this photo?';
export const LIBRARY_SEARCH = 'Find in photos';

/** A search area's file input (the people search's by default). @param {import('playwright-core').Page} page */
export const searchInput = (page, region = PEOPLE_SEARCH) =>
  page.getByRole('region', { name: region, exact: true }).getByLabel(/choose (a|another) photo/i);

/**
 * Drops a file on a search area the way a browser does: a DataTransfer on dragenter, dragover and drop.
 * @param {import('playwright-core').Page} page
 * @param {{ name: string, mimeType: string, buffer: Buffer }} file
 * @param {string} [region] the area's accessible name (the people search's by default)
 */
export async function dropFile(page, file, region = PEOPLE_SEARCH) {
  const target = page.getByRole('region', { name: region, exact: true });
  const dataTransfer = await page.evaluateHandle(({ name, mimeType, base64 }) => {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const transfer = new DataTransfer();
    transfer.items.add(new File([bytes], name, { type: mimeType }));
    return transfer;
  }, { name: file.name, mimeType: file.mimeType, base64: file.buffer.toString('base64') });
  for (const type of ['dragenter', 'dragover', 'drop']) {
    await target.dispatchEvent(type, { dataTransfer });
  }
}

/**
 * Draws a PNG in the page (no image files needed): a plain background, or a simple drawn face.
 * @param {import('playwright-core').Page} page
 * @param {{ width: number, height: number, face?: boolean }} options
 * @returns {Promise<Buffer>}
 */
export async function drawPng(page, { width, height, face = false }) {
  const dataUrl = await page.evaluate(({ width, height, face }) => {
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const g = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
    const sky = g.createLinearGradient(0, 0, width, height);
    sky.addColorStop(0, '#c7d2fe');
    sky.addColorStop(1, '#fde68a');
    g.fillStyle = sky;
    g.fillRect(0, 0, width, height);
    if (face) {
      g.fillStyle = '#f2c9a0';
      g.beginPath();
      g.ellipse(width * 0.3, height * 0.4, width * 0.1, height * 0.16, 0, 0, Math.PI * 2);
      g.fill();
    }
    return canvas.toDataURL('image/png');
  }, { width, height, face });
  return Buffer.from(dataUrl.split(',')[1] ?? '', 'base64');
}

/** Fails with the page's own errors, if any. @param {string[]} problems */
export function assertNoPageErrors(problems) {
  if (problems.length > 0) throw new Error(problems.join('\n'));
}
