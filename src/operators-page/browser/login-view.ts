import { AdminApi, ApiError } from './admin-api.js';
import type { AdminStats } from './api-types.js';
import { h, show } from './dom.js';
import { keepKey } from './session.js';

/**
 * The key form. The key is checked against GET /v1/admin/stats before it is kept: 401 says the service does not
 * know it, 403 that it lacks the admin scope. The form never submits (CSP form-action 'none' too), so the key
 * cannot end up in a URL.
 */
export function showLogin(
  main: HTMLElement,
  message: string | null,
  onSignedIn: (api: AdminApi, stats: AdminStats) => void,
): void {
  const input = h('input', {
    id: 'admin-key',
    name: 'admin-key',
    type: 'password',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
    'aria-describedby': 'admin-key-help',
  });
  const feedback = h(
    'div',
    { class: 'login-feedback', role: 'alert' },
    message ? h('p', { class: 'notice notice-error' }, message) : null,
  );
  const submit = h('button', { type: 'submit', class: 'button button-primary' }, 'Use this key');
  const form = h(
    'form',
    {
      class: 'login',
      method: 'post',
      'aria-labelledby': 'login-title',
      on: {
        submit: (event) => {
          event.preventDefault();
          void check();
        },
      },
    },
    h('h1', { id: 'login-title', tabindex: '-1', class: 'page-title' }, 'Operators’ page'),
    h(
      'p',
      null,
      'Type an API key with the admin scope. It is kept for this browser tab only, and sent only to this service’s admin API.',
    ),
    h('label', { for: 'admin-key' }, 'Admin API key'),
    input,
    h('p', { id: 'admin-key-help', class: 'muted' }, 'The secret of a key in API_KEYS whose scopes include admin.'),
    submit,
    feedback,
  );
  show(main, form);
  input.focus();

  const check = async () => {
    const key = input.value.trim();
    if (!key) return;
    submit.disabled = true;
    show(feedback, h('p', { role: 'status' }, 'Checking the key…'));
    const api = new AdminApi(key);
    try {
      const stats = await api.stats();
      keepKey(key);
      onSignedIn(api, stats);
    } catch (error) {
      show(feedback, h('p', { class: 'notice notice-error' }, refusal(error)));
      submit.disabled = false;
      input.select();
      input.focus();
    }
  };
}

function refusal(error: unknown): string {
  if (!(error instanceof ApiError)) return String(error);
  if (error.status === 401) return 'Wrong key: the service does not know this key (401).';
  if (error.status === 403)
    return `This key is known but does not have the admin scope (403): ${error.messages.join(' ')}`;
  return `The key could not be checked (${error.status || 'no answer'}): ${error.messages.join(' ')}`;
}
