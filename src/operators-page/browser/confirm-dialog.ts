import { ApiError } from './admin-api.js';
import { h, show, type Child } from './dom.js';
import { errorBox } from './widgets.js';

export interface ConfirmOptions {
  title: string;
  explanation: Child;
  confirmLabel: string;
  danger?: boolean;
  /** The API call; its answer (or refusal) is shown in the dialog. */
  run: () => Promise<Child>;
}

/**
 * A confirmation in a modal <dialog>: focus moves into it and stays there, Escape or Cancel closes it without
 * doing anything, and the confirm button runs the action once and shows the API's answer in the dialog. Resolves
 * when the dialog closes: true when the action ran and succeeded.
 */
export function confirmAction(options: ConfirmOptions): Promise<boolean> {
  return new Promise((resolve) => {
    let succeeded = false;
    const answer = h('div', { class: 'dialog-answer', role: 'status', 'aria-live': 'polite' });
    const cancel = h('button', { type: 'button', class: 'button', on: { click: () => dialog.close() } }, 'Cancel');
    const confirm = h(
      'button',
      {
        type: 'button',
        class: `button ${options.danger ? 'button-danger' : 'button-primary'}`,
        on: { click: () => void run() },
      },
      options.confirmLabel,
    );
    const dialog = h(
      'dialog',
      { class: 'dialog', 'aria-labelledby': 'dialog-title' },
      h('h2', { id: 'dialog-title' }, options.title),
      h('div', { class: 'dialog-body' }, options.explanation),
      answer,
      h('div', { class: 'dialog-buttons' }, cancel, confirm),
    );
    const run = async () => {
      confirm.disabled = true;
      show(answer, 'Sending…');
      try {
        show(answer, h('div', { class: 'notice notice-ok' }, await options.run()));
        succeeded = true;
        confirm.remove();
        cancel.textContent = 'Close';
        cancel.focus();
      } catch (error) {
        show(answer, errorBox(error, options.title));
        confirm.disabled = false;
        if (error instanceof ApiError && error.status === 401) confirm.remove();
        cancel.focus();
      }
    };
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(succeeded);
    });
    document.body.appendChild(dialog);
    dialog.showModal();
    cancel.focus();
  });
}
