import { useEffect, useState, useSyncExternalStore, type ImgHTMLAttributes } from 'react';
import { onKeyChange, storedKey } from '@/lib/api-key';

type Props = Omit<ImgHTMLAttributes<HTMLImageElement>, 'src' | 'onError'> & { src: string };

/**
 * An image the API serves. An <img> cannot send the API key, so when reads need one (the plain request
 * fails), the image is fetched again with the tab's key and shown from memory; otherwise it is a plain <img>.
 */
export function ApiImage({ src, alt, ...props }: Props) {
  const key = useSyncExternalStore(onKeyChange, storedKey);
  const [failed, setFailed] = useState<string | null>(null);
  const [fetched, setFetched] = useState<{ src: string; url: string } | null>(null);

  useEffect(() => {
    if (failed !== src || !key) return;
    const controller = new AbortController();
    let url: string | null = null;
    fetch(src, { headers: { Authorization: `Bearer ${key}` }, signal: controller.signal })
      .then((response) => (response.ok ? response.blob() : null))
      .then((blob) => {
        if (!blob) return;
        url = URL.createObjectURL(blob);
        setFetched({ src, url });
      })
      .catch(() => undefined); // the image stays broken, as it would without a key
    return () => {
      controller.abort();
      if (url) URL.revokeObjectURL(url);
    };
  }, [failed, src, key]);

  const shown = fetched?.src === src ? fetched.url : src;
  return <img {...props} alt={alt} src={shown} onError={() => shown === src && setFailed(src)} />;
}
