/** A native modal <dialog>: the browser traps focus inside it and Escape closes it. */
import { useEffect, useRef, type ReactNode } from 'react';

export function ModalDialog(props: { label: string; onClose: () => void; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  // The latest callback, so re-renders do not close and reopen the dialog (focus would jump).
  const onClose = useRef(props.onClose);
  onClose.current = props.onClose;
  useEffect(() => {
    const dialog = ref.current;
    if (dialog === null) return;
    dialog.showModal();
    const close = (): void => {
      onClose.current();
    };
    dialog.addEventListener('close', close);
    return () => {
      dialog.removeEventListener('close', close);
      dialog.close();
    };
  }, []);
  return (
    <dialog ref={ref} aria-label={props.label}>
      {props.children}
    </dialog>
  );
}
