import type { FaceBox } from '../api/search';

const SIZE = 56;

type Props = { url: string; box: FaceBox; width: number; height: number; label: string };

/** The face cut out of the searched photo, drawn with CSS from the photo itself. */
export function FaceThumb({ url, box, width, height, label }: Props) {
  const side = Math.max(box.right - box.left, box.bottom - box.top, 1);
  const scale = SIZE / side;
  const left = box.left - (side - (box.right - box.left)) / 2;
  const top = box.top - (side - (box.bottom - box.top)) / 2;
  return (
    <div
      className="face-thumb"
      role="img"
      aria-label={label}
      style={{
        width: SIZE,
        height: SIZE,
        backgroundImage: `url("${url}")`,
        backgroundSize: `${width * scale}px ${height * scale}px`,
        backgroundPosition: `${-left * scale}px ${-top * scale}px`,
      }}
    />
  );
}
