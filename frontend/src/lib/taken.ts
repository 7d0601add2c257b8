/** When a library photo was taken, in words: shared by the features that show library photos. */

const dayFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });

/**
 * When a photo was taken, from the API's wall-clock time ("2024-03-12T14:30:00", no zone): "taken 12 Mar 2024", or
 * "file date 12 Mar 2024" when the time is its file's; null without one. The day is shown as the clock read it.
 */
export function formatTaken(takenAt: string | null | undefined, from: 'camera' | 'file' | null | undefined): string | null {
  const day = /^(\d{4})-(\d{2})-(\d{2})/.exec(takenAt ?? '');
  if (!day) return null;
  const date = new Date(Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3])));
  return `${from === 'file' ? 'file date' : 'taken'} ${dayFormat.format(date)}`;
}
