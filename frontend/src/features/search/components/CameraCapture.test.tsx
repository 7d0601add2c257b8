import { act, fireEvent, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { HttpResponse } from 'msw';
import { matchResult } from '@/testing/fixtures';
import { recordRequests } from '@/testing/server';
import { CameraCapture } from './CameraCapture';
import { SearchPanel } from './SearchPanel';

type GetUserMedia = (constraints: MediaStreamConstraints) => Promise<MediaStream>;

/** A stream whose one video track records whether it was stopped. */
function fakeStream() {
  const track = { kind: 'video', stop: vi.fn() };
  return { stream: { getTracks: () => [track] } as unknown as MediaStream, track };
}

/** Gives the page `navigator.mediaDevices.getUserMedia` (or takes it away) and says whether the page is secure. */
function browserWith(getUserMedia: GetUserMedia | undefined, secure = true) {
  Object.defineProperty(navigator, 'mediaDevices', {
    value: getUserMedia ? { getUserMedia: vi.fn(getUserMedia) } : undefined,
    configurable: true,
  });
  Object.defineProperty(window, 'isSecureContext', { value: secure, configurable: true });
}

/** A DOMException as getUserMedia rejects with it. */
const refusal = (name: string) => () => Promise.reject(new DOMException('refused', name));

/** The preview plays its first frame, of this size (jsdom plays no video, and has no requestVideoFrameCallback). */
function showFrame(width = 640, height = 480) {
  const video = screen.getByLabelText('Camera preview');
  Object.defineProperty(video, 'videoWidth', { value: width, configurable: true });
  Object.defineProperty(video, 'videoHeight', { value: height, configurable: true });
  fireEvent.playing(video);
  return video;
}

/** jsdom draws nothing: a 2D context that records drawImage, and toBlob that gives a small JPEG (or null). */
function fakeCanvas(blob: Blob | null = new Blob([new Uint8Array([0xff, 0xd8, 0xff, 0xd9])], { type: 'image/jpeg' })) {
  const drawImage = vi.fn();
  vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue({ drawImage } as unknown as ImageBitmapRenderingContext);
  vi.spyOn(HTMLCanvasElement.prototype, 'toBlob').mockImplementation((callback) => callback(blob));
  return drawImage;
}

async function openCamera(onPhoto = vi.fn()) {
  const user = userEvent.setup();
  const view = render(<CameraCapture onPhoto={onPhoto} />);
  await user.click(screen.getByRole('button', { name: 'Use camera' }));
  return { user, onPhoto, ...view };
}

afterEach(() => {
  Reflect.deleteProperty(navigator, 'mediaDevices');
  Reflect.deleteProperty(window, 'isSecureContext');
  vi.restoreAllMocks();
});

describe('CameraCapture', () => {
  it('takes a photo: the frame as camera.jpg to the callback, and the camera stopped', async () => {
    const { stream, track } = fakeStream();
    browserWith(() => Promise.resolve(stream));
    const drawImage = fakeCanvas();
    const { user, onPhoto } = await openCamera();

    const camera = screen.getByRole('group', { name: 'Camera' });
    expect(camera).toHaveFocus();
    expect(screen.getByRole('status')).toHaveTextContent('Waiting for the camera');
    expect(screen.getByRole('button', { name: 'Take photo' })).toBeDisabled();
    expect(navigator.mediaDevices.getUserMedia).toHaveBeenCalledWith(expect.objectContaining({ audio: false }));

    const video = showFrame(640, 480);
    expect(video).toHaveProperty('srcObject', stream);
    expect(screen.getByRole('button', { name: 'Take photo' })).toHaveFocus();
    expect(screen.queryByRole('status')).not.toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Take photo' }));

    expect(drawImage).toHaveBeenCalledWith(video, 0, 0, 640, 480);
    expect(onPhoto).toHaveBeenCalledTimes(1);
    const file = onPhoto.mock.calls[0]?.[0] as File;
    expect(file).toBeInstanceOf(File);
    expect(file).toMatchObject({ name: 'camera.jpg', type: 'image/jpeg', size: 4 });
    expect(track.stop).toHaveBeenCalled();
    expect(screen.queryByLabelText('Camera preview')).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Use camera' })).toHaveFocus();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('stops the camera on Cancel, and hands nothing over', async () => {
    const { stream, track } = fakeStream();
    browserWith(() => Promise.resolve(stream));
    const { user, onPhoto } = await openCamera();
    showFrame();
    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(track.stop).toHaveBeenCalled();
    expect(screen.queryByRole('group', { name: 'Camera' })).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Use camera' })).toHaveFocus();
    expect(onPhoto).not.toHaveBeenCalled();
  });

  it('stops the camera when the page leaves the panel', async () => {
    const { stream, track } = fakeStream();
    browserWith(() => Promise.resolve(stream));
    const { unmount } = await openCamera();
    showFrame();
    expect(track.stop).not.toHaveBeenCalled();
    unmount();
    expect(track.stop).toHaveBeenCalled();
  });

  it('stops a camera the browser grants after the person cancelled', async () => {
    const { stream, track } = fakeStream();
    let grant = (_: MediaStream) => {};
    browserWith(() => new Promise((resolve) => (grant = resolve)));
    const { user } = await openCamera();
    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    await act(async () => grant(stream));
    expect(track.stop).toHaveBeenCalled();
    expect(screen.queryByLabelText('Camera preview')).not.toBeInTheDocument();
  });

  it('says so when the camera is not allowed, and may be asked again', async () => {
    browserWith(refusal('NotAllowedError'));
    const { user } = await openCamera();
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'The camera was not allowed. Allow it in the browser’s settings for this site, or choose a photo instead.',
    );
    expect(screen.queryByLabelText('Camera preview')).not.toBeInTheDocument();

    const { stream } = fakeStream();
    browserWith(() => Promise.resolve(stream));
    await user.click(screen.getByRole('button', { name: 'Use camera' }));
    expect(screen.getByLabelText('Camera preview')).toBeInTheDocument();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('says so when there is no camera', async () => {
    browserWith(refusal('NotFoundError'));
    await openCamera();
    expect(await screen.findByRole('alert')).toHaveTextContent('No camera was found. Choose a photo instead.');
    expect(screen.getByRole('button', { name: 'Use camera' })).toBeEnabled();
  });

  it('says so when the camera is busy elsewhere', async () => {
    browserWith(refusal('NotReadableError'));
    await openCamera();
    expect(await screen.findByRole('alert')).toHaveTextContent(/another app may be using it/);
  });

  it('explains that a camera needs a secure address when the browser offers none here', async () => {
    browserWith(undefined, false);
    await openCamera();
    expect(screen.getByRole('alert')).toHaveTextContent(
      'This browser lets a page use the camera only at an https address (or on this computer, at localhost). Choose a photo instead.',
    );
    expect(screen.queryByRole('group', { name: 'Camera' })).not.toBeInTheDocument();
  });

  it('says the browser has no camera for pages when a secure page has none either', async () => {
    browserWith(undefined, true);
    await openCamera();
    expect(screen.getByRole('alert')).toHaveTextContent('This browser does not let the page use a camera. Choose a photo instead.');
  });

  it('keeps the camera open when it has no picture to take yet', async () => {
    const { stream, track } = fakeStream();
    browserWith(() => Promise.resolve(stream));
    fakeCanvas();
    const { user, onPhoto } = await openCamera();
    showFrame(0, 0);
    await user.click(screen.getByRole('button', { name: 'Take photo' }));
    expect(screen.getByRole('alert')).toHaveTextContent('The camera has not shown a picture yet.');
    expect(screen.getByLabelText('Camera preview')).toBeInTheDocument();
    expect(track.stop).not.toHaveBeenCalled();
    expect(onPhoto).not.toHaveBeenCalled();
  });

  it('says so when the frame cannot be made into a photo', async () => {
    const { stream, track } = fakeStream();
    browserWith(() => Promise.resolve(stream));
    fakeCanvas(null);
    const { user, onPhoto } = await openCamera();
    showFrame();
    await user.click(screen.getByRole('button', { name: 'Take photo' }));
    expect(screen.getByRole('alert')).toHaveTextContent('The photo could not be taken. Try again, or choose a photo instead.');
    expect(onPhoto).not.toHaveBeenCalled();
    expect(track.stop).toHaveBeenCalled();
  });
});

describe('the people search with the camera', () => {
  it('searches the photo taken, as it would a chosen one', async () => {
    const sizes: number[] = []; // jsdom's FormData does not pass a File's name on; the browser test sees it
    recordRequests('post', '*/api/search', async (_, request) => {
      const photo = (await request.formData()).get('photo');
      sizes.push(photo && typeof photo !== 'string' ? photo.size : -1);
      return HttpResponse.json(matchResult);
    });
    const { stream } = fakeStream();
    browserWith(() => Promise.resolve(stream));
    fakeCanvas();
    const user = userEvent.setup();
    render(<SearchPanel />);
    await user.click(screen.getByRole('button', { name: 'Use camera' }));
    showFrame();
    await user.click(screen.getByRole('button', { name: 'Take photo' }));
    expect(await screen.findByRole('heading', { name: 'Face 1: Paul Rudd' })).toBeInTheDocument();
    expect(sizes).toEqual([4]);
    expect(screen.getByRole('img', { name: 'Your photo, with 1 face marked' })).toBeInTheDocument();
  });
});
