import { useCallback, useEffect, useRef } from 'react';

/**
 * One request at a time, and the object URL of the photo it is about.
 *
 * - `start()` cancels the request before it (if any) and returns the signal of the new one.
 * - `isCurrent(signal)` says whether that request is still the latest: false once a newer one started,
 *   `forget()` was called or the component unmounted. An answer is only shown while it is current.
 * - `keepPhotoUrl(file)` makes an object URL for `file` and keeps it until `forget()` or unmount.
 * - `forget()` cancels the running request and revokes the kept URL. It also runs on unmount.
 *
 * All four are stable across renders.
 */
export function useLatestRequest() {
  const controller = useRef<AbortController | null>(null);
  const photoUrl = useRef<string | null>(null);

  const start = useCallback((): AbortSignal => {
    controller.current?.abort();
    const current = new AbortController();
    controller.current = current;
    return current.signal;
  }, []);

  const isCurrent = useCallback((signal: AbortSignal) => !signal.aborted, []);

  const forget = useCallback(() => {
    controller.current?.abort();
    if (photoUrl.current) URL.revokeObjectURL(photoUrl.current);
    photoUrl.current = null;
  }, []);

  const keepPhotoUrl = useCallback((file: File): string => {
    if (photoUrl.current) URL.revokeObjectURL(photoUrl.current);
    const url = URL.createObjectURL(file);
    photoUrl.current = url;
    return url;
  }, []);

  useEffect(() => forget, [forget]);

  return { start, isCurrent, keepPhotoUrl, forget };
}
