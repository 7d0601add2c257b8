import { useCallback, useEffect, useRef, useState } from 'react';
import {
  CAMERA_CONSTRAINTS,
  cameraAvailable,
  cameraErrorMessage,
  cameraUnavailableMessage,
  canvasToJpeg,
  drawFrame,
  stopStream,
} from './camera';

export type CameraState = { status: 'off' } | { status: 'starting' } | { status: 'on'; stream: MediaStream };

const NO_FRAME = 'The camera has not shown a picture yet. Try again in a moment, or choose a photo instead.';
const NOT_ENCODED = 'The photo could not be taken. Try again, or choose a photo instead.';

/**
 * The camera's stream and the sentence for its last failure (null when there is none).
 *
 * - `open()` asks for the camera (the browser may ask the person first); the state is 'starting' until it answers.
 * - `close()` stops the stream's tracks. It also runs on unmount, and a stream that arrives after a close
 *   (the person cancelled while the browser was asking) is stopped at once.
 * - `take(video)` draws the video's frame, stops the camera and resolves with the frame as a JPEG file
 *   (null, and a message, when there was no frame to take).
 */
export function useCamera() {
  const [state, setState] = useState<CameraState>({ status: 'off' });
  const [message, setMessage] = useState<string | null>(null);
  const stream = useRef<MediaStream | null>(null);
  const attempt = useRef(0); // bumped by every open and close: only the latest open may keep its stream

  const close = useCallback(() => {
    attempt.current += 1;
    stopStream(stream.current);
    stream.current = null;
    setState({ status: 'off' });
  }, []);

  const open = useCallback(async () => {
    close();
    setMessage(null);
    if (!cameraAvailable()) {
      setMessage(cameraUnavailableMessage());
      return;
    }
    const mine = attempt.current;
    setState({ status: 'starting' });
    try {
      const granted = await navigator.mediaDevices.getUserMedia(CAMERA_CONSTRAINTS);
      if (attempt.current !== mine) {
        stopStream(granted); // closed, or opened again, while the browser was asking
        return;
      }
      stream.current = granted;
      setState({ status: 'on', stream: granted });
    } catch (error) {
      if (attempt.current !== mine) return;
      setState({ status: 'off' });
      setMessage(cameraErrorMessage(error));
    }
  }, [close]);

  const take = useCallback(
    async (video: HTMLVideoElement): Promise<File | null> => {
      const canvas = drawFrame(video);
      if (!canvas) {
        setMessage(NO_FRAME);
        return null;
      }
      close();
      const file = await canvasToJpeg(canvas);
      setMessage(file ? null : NOT_ENCODED);
      return file;
    },
    [close],
  );

  useEffect(() => close, [close]);

  return { state, message, open, close, take };
}
