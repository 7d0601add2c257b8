/**
 * The device's camera, through getUserMedia: whether the page may use one, what to ask for, the sentence for
 * each way it can fail, and a frame of the preview as a JPEG file.
 */

/**
 * The back camera where there are two (a phone is pointed at the people to name), as wide as it goes up to
 * 1920 px. No height is asked for: Chromium crops the picture to meet one.
 */
export const CAMERA_CONSTRAINTS: MediaStreamConstraints = {
  audio: false,
  video: { facingMode: { ideal: 'environment' }, width: { ideal: 1920 } },
};

/** The name a photo taken with the camera is sent with. */
export const CAMERA_FILE_NAME = 'camera.jpg';

/**
 * True where the page may ask for a camera. Browsers offer `navigator.mediaDevices` only to secure pages
 * (https, or localhost), so it is missing when the page is opened at a plain http address from another device.
 */
export function cameraAvailable(): boolean {
  return typeof navigator !== 'undefined' && typeof navigator.mediaDevices?.getUserMedia === 'function';
}

/** Why the page cannot ask for a camera here. */
export function cameraUnavailableMessage(): string {
  if (typeof window !== 'undefined' && window.isSecureContext === false) {
    return 'This browser lets a page use the camera only at an https address (or on this computer, at localhost). Choose a photo instead.';
  }
  return 'This browser does not let the page use a camera. Choose a photo instead.';
}

/** The sentence for a getUserMedia refusal, by the DOMException's name. */
export function cameraErrorMessage(error: unknown): string {
  const name = typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'The camera was not allowed. Allow it in the browser’s settings for this site, or choose a photo instead.';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'No camera was found. Choose a photo instead.';
    case 'NotReadableError':
      return 'The camera could not be started: another app may be using it. Close that app, or choose a photo instead.';
    default:
      return 'The camera could not be started. Choose a photo instead.';
  }
}

/** Stops every track of `stream` (the camera's light goes off). */
export function stopStream(stream: MediaStream | null): void {
  for (const track of stream?.getTracks() ?? []) track.stop();
}

/**
 * Calls `then` once the playing video has shown a frame: Chromium draws a camera's video black at 'loadeddata'
 * and 'canplay', and even at 'playing' a frame may not have been shown yet where the browser can tell.
 */
export function onceFrameShown(video: HTMLVideoElement, then: () => void): void {
  if (typeof video.requestVideoFrameCallback === 'function') video.requestVideoFrameCallback(() => then());
  else then();
}

/** Draws the video's current frame on a canvas of its size; null before the video has a frame. */
export function drawFrame(video: HTMLVideoElement): HTMLCanvasElement | null {
  const canvas = document.createElement('canvas');
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  const context = canvas.width > 0 && canvas.height > 0 ? canvas.getContext('2d') : null;
  if (!context) return null;
  context.drawImage(video, 0, 0, canvas.width, canvas.height);
  return canvas;
}

/** The canvas as a JPEG file named `name`; null when the browser could not encode it. */
export function canvasToJpeg(canvas: HTMLCanvasElement, name = CAMERA_FILE_NAME): Promise<File | null> {
  return new Promise((resolve) => {
    canvas.toBlob((blob) => resolve(blob ? new File([blob], name, { type: 'image/jpeg' }) : null), 'image/jpeg', 0.92);
  });
}
