import type { CSSProperties } from 'react';
import type { Box } from '../api/library';

/** 0.98512 → "0.985" */
export function formatSimilarity(similarity: number): string {
  return similarity.toFixed(3);
}

/** "5 photos", "1 photo", or the sentence for none (`dated`: the find was limited to days). */
export function photosFound(count: number, dated = false): string {
  if (count === 0) return dated ? 'No photos above this threshold taken in these days' : 'No photos above this threshold';
  return count === 1 ? '1 photo' : `${count} photos`;
}

/** A fraction as a CSS percentage. */
export function percent(part: number, whole: number): string {
  return `${(part / whole) * 100}%`;
}

/** Places a box drawn over a photo shown at any size (the photo is `width` × `height` pixels). */
export function boxStyle(box: Box, width: number, height: number): CSSProperties {
  return {
    left: percent(box.left, width),
    top: percent(box.top, height),
    width: percent(box.right - box.left, width),
    height: percent(box.bottom - box.top, height),
  };
}

export function sameBox(a: Box, b: Box): boolean {
  return a.left === b.left && a.top === b.top && a.right === b.right && a.bottom === b.bottom;
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** An ISO 8601 time as the reader's local date and time. */
export function formatTime(iso: string): string {
  const time = new Date(iso);
  return Number.isNaN(time.getTime()) ? iso : dateFormat.format(time);
}

export { formatTaken } from '@/lib/taken';
