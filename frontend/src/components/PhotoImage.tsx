import { useState } from 'react';

type Props = {
  url: string;
  alt: string;
  className: string;
  /** The photo's size in pixels as the API read it (upright), or 1 x 1 before it answers. */
  width: number;
  height: number;
  /** The most room the stand-in may take, as CSS lengths. */
  maxWidth: string;
  maxHeight: string;
};

/**
 * The person's own photo, from its object URL. A browser that cannot show the photo's format (HEIC, outside
 * Safari) gets a stand-in of the photo's proportions instead, so the face boxes drawn over it sit where the faces are.
 */
export function PhotoImage({ url, alt, className, width, height, maxWidth, maxHeight }: Props) {
  const [failed, setFailed] = useState<string | null>(null);
  if (failed !== url) return <img className={className} src={url} alt={alt} onError={() => setFailed(url)} />;
  const ratio = width / height;
  return (
    <div
      className={`${className} photo-stand-in`}
      role="img"
      aria-label={alt}
      style={{ aspectRatio: `${width} / ${height}`, width: `min(${maxWidth}, calc(${maxHeight} * ${ratio}))` }}
    >
      <span className="photo-stand-in__note">
        This browser cannot show this photo; its faces are marked where they are.
      </span>
    </div>
  );
}
