import { ApiError } from './admin-api.js';
import { h, type Child } from './dom.js';

/** A state or status as a badge; the class is chosen from a closed list, never from the value itself. */
const TONES: Record<string, string> = {
  RETRIEVED: 'good',
  DONE: 'good',
  OK: 'good',
  CALLBACK_RECEIVED: 'good',
  RECONCILING: 'busy',
  AWAITING_CALLBACK: 'wait',
  PENDING: 'wait',
  UNKNOWN: 'wait',
  NOT_FOUND: 'bad',
  EXHAUSTED: 'bad',
  FAILED: 'bad',
  CREDENTIALS_REJECTED: 'bad',
  PURGED: 'muted',
};

export function badge(value: string): HTMLElement {
  return h('span', { class: `badge badge-${TONES[value] ?? 'plain'}` }, value);
}

/** A description list of label → value pairs. */
export function facts(rows: readonly [string, Child][]): HTMLElement {
  return h(
    'dl',
    { class: 'facts' },
    rows.map(([label, value]) => [
      h('dt', null, label),
      h('dd', { 'data-fact': label }, value === null || value === '' ? '—' : value),
    ]),
  );
}

/** Any JSON value, as nested lists of text: what Jumio sent, normalized, shown and never interpreted. */
export function valueTree(value: unknown): HTMLElement {
  if (value === null || typeof value !== 'object')
    return h('span', { class: `json json-${jsonType(value)}` }, json(value));
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  if (entries.length === 0) return h('span', { class: 'json json-empty' }, Array.isArray(value) ? '[]' : '{}');
  return h(
    'dl',
    { class: 'tree' },
    entries.map(([key, v]) => [h('dt', null, key), h('dd', null, valueTree(v))]),
  );
}

function jsonType(value: unknown): string {
  return value === null ? 'null' : typeof value;
}

function json(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** What the API said when it refused, with its status, for an operator to act on. */
export function errorBox(error: unknown, what: string): HTMLElement {
  const messages = error instanceof ApiError ? error.messages : [String(error)];
  const status = error instanceof ApiError && error.status ? ` (${error.status})` : '';
  return h(
    'div',
    { class: 'notice notice-error', role: 'alert' },
    h('strong', null, `${what} failed${status}`),
    h(
      'ul',
      null,
      messages.map((m) => h('li', null, m)),
    ),
  );
}

export function loading(what: string): HTMLElement {
  return h('p', { class: 'loading', role: 'status' }, `Loading ${what}…`);
}

/** The page heading each route starts with; it takes the focus after navigation (keyboard and screen readers). */
export function heading(text: Child, ...more: Child[]): HTMLElement {
  return h('h1', { tabindex: '-1', class: 'page-title' }, text, ...more);
}

export function section(title: string, ...children: Child[]): HTMLElement {
  const id = `section-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return h('section', { class: 'panel', 'aria-labelledby': id }, h('h2', { id }, title), ...children);
}
