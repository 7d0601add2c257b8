import { ACCEPT_ATTRIBUTE, isAcceptedImage, refuseAny } from './images';
import { imageFile, textFile } from '@/testing/files';

describe('images', () => {
  it('accepts HEIC, HEIF and AVIF photos by type, and by name when the browser gives no type', () => {
    for (const [name, type] of [
      ['IMG_0001.HEIC', 'image/heic'],
      ['IMG_0002.heif', 'image/heif'],
      ['photo.avif', 'image/avif'],
      ['IMG_0003.HEIC', ''],
      ['photo.AVIF', ''],
    ] as const) {
      expect(isAcceptedImage(imageFile(name, type))).toBe(true);
    }
    expect(refuseAny([imageFile('a.heic', ''), textFile()])).toBe(
      '“notes.txt” is not a JPEG, PNG, WebP, HEIC or AVIF image. Please choose a photo.',
    );
  });

  it('lets the file dialog offer HEIC and AVIF photos, by type and by name', () => {
    const accepted = ACCEPT_ATTRIBUTE.split(',');
    for (const entry of ['image/jpeg', 'image/heic', 'image/heif', 'image/avif', '.heic', '.heif', '.avif']) {
      expect(accepted).toContain(entry);
    }
  });
});
