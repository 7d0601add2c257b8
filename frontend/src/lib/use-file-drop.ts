import { useEffect, useRef, useState, type DragEvent } from 'react';

/** Marks an element that takes dropped and pasted files. */
const AREA_ATTRIBUTE = 'data-drop-area';

function firstFile(list: FileList | undefined | null): File | undefined {
  return list && list.length > 0 ? (list[0] ?? undefined) : undefined;
}

function isTextField(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (target.matches('input:not([type=file]), textarea') || target.isContentEditable);
}

/**
 * A paste belongs to the drop area that holds the focus; a paste outside every area belongs to
 * the area that takes pastes from anywhere on the page (there is one such area: the people search).
 */
function ownsPaste(area: HTMLElement | null, target: EventTarget | null, anywhere: boolean): boolean {
  const owner = target instanceof Element ? target.closest(`[${AREA_ATTRIBUTE}]`) : null;
  return owner ? owner === area : anywhere;
}

type Options = { pasteAnywhere?: boolean };

/**
 * Drag-and-drop handlers (and a ref) for an area, plus pasting a file: into the area when the focus
 * is inside it, and anywhere on the page when `pasteAnywhere` (the default) is set.
 */
export function useFileDrop(onFile: (file: File) => void, { pasteAnywhere = true }: Options = {}) {
  const [dragging, setDragging] = useState(false);
  const area = useRef<HTMLElement>(null);

  useEffect(() => {
    const onPaste = (event: ClipboardEvent) => {
      const file = firstFile(event.clipboardData?.files);
      if (!file || isTextField(event.target) || !ownsPaste(area.current, event.target, pasteAnywhere)) return;
      event.preventDefault();
      onFile(file);
    };
    window.addEventListener('paste', onPaste);
    return () => window.removeEventListener('paste', onPaste);
  }, [onFile, pasteAnywhere]);

  return {
    dragging,
    handlers: {
      ref: area,
      [AREA_ATTRIBUTE]: '',
      onDragOver: (event: DragEvent) => {
        event.preventDefault();
        setDragging(true);
      },
      onDragLeave: (event: DragEvent) => {
        if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setDragging(false);
      },
      onDrop: (event: DragEvent) => {
        event.preventDefault();
        setDragging(false);
        const file = firstFile(event.dataTransfer.files);
        if (file) onFile(file);
      },
    },
  };
}
