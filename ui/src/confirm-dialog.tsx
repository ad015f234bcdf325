/** Asks before something that deletes files; Escape or Keep answers no. */
import { ModalDialog } from './modal-dialog.js';

export function ConfirmDialog(props: {
  title: string;
  text: string;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  return (
    <ModalDialog label={props.title} onClose={props.onCancel}>
      <article>
        <h3>{props.title}</h3>
        <p>{props.text}</p>
        <footer>
          <button type="button" className="secondary" autoFocus onClick={props.onCancel}>
            Keep
          </button>
          <button type="button" className="danger" onClick={props.onConfirm}>
            {props.confirmLabel}
          </button>
        </footer>
      </article>
    </ModalDialog>
  );
}
