import { useEffect, useRef, useState } from 'react';
import { onceFrameShown } from '@/lib/camera';
import { useCamera } from '@/lib/use-camera';

type Props = { onPhoto: (file: File) => void };

/**
 * "Use camera": a live preview with Take photo and Cancel. The photo taken goes to `onPhoto` as a JPEG named
 * camera.jpg, as a chosen file would. The camera stops when the photo is taken, on Cancel and on unmount.
 * Rendered as siblings (button, camera, message) so that the parent lays them out beside the drop zone.
 */
export function CameraCapture({ onPhoto }: Props) {
  const { state, message, open, close, take } = useCamera();
  const video = useRef<HTMLVideoElement>(null);
  const group = useRef<HTMLDivElement>(null);
  const takeButton = useRef<HTMLButtonElement>(null);
  const useButton = useRef<HTMLButtonElement>(null);
  const wasOpen = useRef(false);
  const [showing, setShowing] = useState<MediaStream | null>(null); // the stream the preview has a frame of
  const stream = state.status === 'on' ? state.stream : null;
  const ready = stream !== null && showing === stream;
  const isOpen = state.status !== 'off';

  useEffect(() => {
    if (video.current) video.current.srcObject = stream;
  }, [stream]);

  // Focus goes into the camera when it opens and back to "Use camera" when it closes (its buttons are gone).
  useEffect(() => {
    if (isOpen) group.current?.focus();
    else if (wasOpen.current && (document.activeElement === document.body || !document.activeElement)) {
      useButton.current?.focus();
    }
    wasOpen.current = isOpen;
  }, [isOpen]);

  useEffect(() => {
    if (ready && group.current?.contains(document.activeElement)) takeButton.current?.focus();
  }, [ready]);

  const onTake = async () => {
    if (!video.current) return;
    const file = await take(video.current);
    if (file) onPhoto(file);
  };

  return (
    <>
      {!isOpen && (
        <button ref={useButton} type="button" className="button is-secondary camera-button" onClick={() => void open()}>
          <svg className="camera-button__icon" viewBox="0 0 24 24" aria-hidden="true">
            <path d="M4 8a1 1 0 0 1 1-1h2.5L9 5h6l1.5 2H19a1 1 0 0 1 1 1v10a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1z" />
            <circle cx="12" cy="13" r="3.5" />
          </svg>
          Use camera
        </button>
      )}
      {isOpen && (
        <div ref={group} className="camera" role="group" aria-label="Camera" tabIndex={-1}>
          <video
            ref={video}
            className="camera__video"
            aria-label="Camera preview"
            autoPlay
            muted
            playsInline
            onPlaying={(event) => onceFrameShown(event.currentTarget, () => setShowing(stream))}
          />
          {!ready && (
            <p className="camera__status" role="status">
              Waiting for the camera… The browser may ask whether this page may use it.
            </p>
          )}
          <div className="camera__actions">
            <button ref={takeButton} type="button" className="button" disabled={!ready} onClick={() => void onTake()}>
              Take photo
            </button>
            <button type="button" className="button is-secondary" onClick={close}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {message && (
        <p className="notice is-error" role="alert">
          {message}
        </p>
      )}
    </>
  );
}
