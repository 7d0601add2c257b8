/**
 * The API key this tab sends (`Authorization: Bearer <key>`), kept in sessionStorage until the tab closes,
 * and the one prompt that asks for it. The API answers 401 without a key it accepts and 403 to a read-only
 * key on a change; `apiFetch` then asks here, and every request waiting for a key shares one prompt.
 */

/** Why the page asks: no key yet, a key the API did not accept, or a key that may only read. */
export type KeyReason = 'missing' | 'rejected' | 'read-only';

/** Shows the prompt; resolves with the key entered, or null when the person cancels. */
export type KeyPrompter = (reason: KeyReason) => Promise<string | null>;

const STORAGE_NAME = 'facesearch.apiKey';
const listeners = new Set<() => void>();
let prompter: KeyPrompter | null = null;
let pending: Promise<string | null> | null = null;

/** The key kept for this tab, if any. */
export function storedKey(): string | null {
  try {
    return sessionStorage.getItem(STORAGE_NAME);
  } catch {
    return null; // storage blocked: no key is kept
  }
}

/** Keeps `key` for this tab (null forgets it) and tells whoever listens. */
export function keepKey(key: string | null): void {
  try {
    if (key) sessionStorage.setItem(STORAGE_NAME, key);
    else sessionStorage.removeItem(STORAGE_NAME);
  } catch {
    // storage blocked: the key lasts only as long as this request
  }
  for (const listener of listeners) listener();
}

/** Calls `listener` whenever the key changes; returns the unsubscribe function (for useSyncExternalStore). */
export function onKeyChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Makes `show` the prompt (the page's dialog); returns a function that removes it. */
export function setKeyPrompter(show: KeyPrompter): () => void {
  prompter = show;
  return () => {
    if (prompter === show) prompter = null;
  };
}

/** Asks for a key, once for everything waiting at the same time; the key entered is kept. Null when no one
 * can be asked or the person cancels. */
export function askForKey(reason: KeyReason): Promise<string | null> {
  if (!prompter) return Promise.resolve(null);
  pending ??= prompter(reason)
    .then((key) => {
      if (key) keepKey(key);
      return key;
    })
    .finally(() => {
      pending = null;
    });
  return pending;
}
