import { useEffect, useState, type DragEvent } from 'react';

function firstFile(list: FileList | undefined | null): File | undefined {
  return list && list.length > 0 ? (list[0] ?? undefined) : undefined;
}

function isTextField(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (target.matches('input:not([type=file]), textarea') || target.isContentEditable);
}

/** Drag-and-drop handlers for an area, plus pasting a file anywhere on the page. */
export function useFileDrop(onFile: (file: File) => void) {
  const [dragging, setDragging] = useState(false);

  useEffect(() => {
    const onPaste = (event: ClipboardEvent) => {
      const file = firstFile(event.clipboardData?.files);
      if (!file || isTextField(event.target)) return;
      event.preventDefault();
      onFile(file);
    };
    window.addEventListener('paste', onPaste);
    return () => window.removeEventListener('paste', onPaste);
  }, [onFile]);

  return {
    dragging,
    handlers: {
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
