/** The photo types the API reads; HEIC/HEIF are iPhones' photos. */
export const ACCEPTED_TYPES = [
  'image/jpeg',
  'image/png',
  'image/webp',
  'image/heic',
  'image/heif',
  'image/avif',
] as const;

const EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp', '.heic', '.heif', '.avif'] as const;

/** For the `accept` attribute of file inputs: types, and endings for systems that know no type for HEIC. */
export const ACCEPT_ATTRIBUTE = [...ACCEPTED_TYPES, ...EXTENSIONS].join(',');

const ACCEPTED_EXTENSIONS = /\.(jpe?g|png|webp|heic|heif|avif)$/i;

/** True for JPEG, PNG, WebP, HEIC/HEIF and AVIF files: by type, or by name when the browser gives no type. */
export function isAcceptedImage(file: File): boolean {
  if (file.type) return (ACCEPTED_TYPES as readonly string[]).includes(file.type);
  return ACCEPTED_EXTENSIONS.test(file.name);
}

export function refusalMessage(file: File): string {
  return `“${file.name}” is not a JPEG, PNG, WebP, HEIC or AVIF image. Please choose a photo.`;
}

/** The refusal for the first file that is not an accepted image, or null when all are fine. */
export function refuseAny(files: File[]): string | null {
  const bad = files.find((file) => !isAcceptedImage(file));
  return bad ? refusalMessage(bad) : null;
}
