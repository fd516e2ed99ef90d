import { ApiError } from './admin-api.js';
import { KINDS, TRACKING_STATES, VIEW_STATUSES, type TransactionPage } from './api-types.js';
import type { View } from './app-context.js';
import { h, show } from './dom.js';
import { formatTime } from './format.js';
import { badge, errorBox, heading, loading } from './widgets.js';

/** The admin search's filters, as the form and the route (#/search?...) carry them. */
const TEXT_FILTERS = ['customerReference', 'merchantReference'] as const;
const TIME_FILTERS = ['createdFrom', 'createdTo'] as const;
const PAGE_SIZES = ['25', '50', '100', '200'];

/**
 * Search with the admin filters and keyset paging: the route holds the filters and the cursor, so Back returns to
 * the previous page; "Previous" walks back through the cursors of this tab's session.
 */
export const searchView: View = async (ctx, params) => {
  const accounts = ctx.lastStats?.accounts?.map((a) => a.name);
  const form = h(
    'form',
    { class: 'filters', method: 'post', 'aria-label': 'Search transactions', on: { submit: (e) => submit(e) } },
    select('kind', 'Kind', KINDS, params),
    select('state', 'State', TRACKING_STATES, params),
    select('status', 'Status', VIEW_STATUSES, params),
    TEXT_FILTERS.map((name) =>
      field(
        name,
        labelOf(name),
        h('input', {
          id: `f-${name}`,
          name,
          type: 'text',
          maxlength: '255',
          value: params.get(name) ?? '',
          autocomplete: 'off',
        }),
      ),
    ),
    TIME_FILTERS.map((name) =>
      field(
        name,
        `${labelOf(name)} (UTC)`,
        h('input', { id: `f-${name}`, name, type: 'datetime-local', step: '1', value: toLocalInput(params.get(name)) }),
      ),
    ),
    // Issue 15's account= filter: offered once the stats list accounts.
    accounts ? select('account', 'Account', [...new Set(accounts)], params) : null,
    field(
      'limit',
      'Per page',
      h(
        'select',
        { id: 'f-limit', name: 'limit' },
        PAGE_SIZES.map((n) => h('option', { value: n, selected: (params.get('limit') ?? '50') === n }, n)),
      ),
    ),
    h(
      'div',
      { class: 'filter-buttons' },
      h('button', { type: 'submit', class: 'button button-primary' }, 'Search'),
      h('a', { href: '#/search', class: 'button' }, 'Clear'),
    ),
  );
  const goTo = openByReference();
  const results = h('div', { class: 'results' });
  show(ctx.main, heading('Search'), form, goTo, results);

  function submit(event: Event): void {
    event.preventDefault();
    const data = new FormData(form);
    const query = new URLSearchParams();
    for (const [name, value] of data) {
      const text = String(value).trim();
      if (!text) continue;
      query.set(name, (TIME_FILTERS as readonly string[]).includes(name) ? fromLocalInput(text) : text);
    }
    if (query.get('limit') === '50') query.delete('limit');
    if (![...query.keys()].length) query.set('run', '1');
    location.hash = `#/search?${query.toString()}`;
  }

  if (![...params.keys()].length && !params.has('run')) {
    show(
      results,
      h('p', { class: 'muted' }, 'Choose filters and press Search (no filter: every transaction, newest first).'),
    );
    return () => undefined;
  }
  show(results, loading('transactions'));
  const query = new URLSearchParams(params);
  query.delete('run');
  try {
    const page = await ctx.api.search(query);
    show(results, resultsTable(page), pager(params, page));
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) ctx.signOut('The service no longer accepts this key.');
    else show(results, errorBox(error, 'The search'));
  }
  return () => undefined;
};

function labelOf(name: string): string {
  return name.replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`).replace(/^./, (c) => c.toUpperCase());
}

function field(name: string, label: string, control: HTMLElement): HTMLElement {
  return h('div', { class: 'field' }, h('label', { for: `f-${name}` }, label), control);
}

function select(name: string, label: string, values: readonly string[], params: URLSearchParams): HTMLElement {
  const current = params.get(name) ?? '';
  return field(
    name,
    label,
    h(
      'select',
      { id: `f-${name}`, name },
      h('option', { value: '' }, 'any'),
      values.map((v) => h('option', { value: v, selected: v === current }, v)),
    ),
  );
}

/** datetime-local shows and takes UTC here: the API wants zoned timestamps, and operators read UTC. */
function toLocalInput(iso: string | null): string {
  return iso && !Number.isNaN(Date.parse(iso)) ? new Date(iso).toISOString().slice(0, 19) : '';
}

function fromLocalInput(value: string): string {
  return new Date(`${value.length === 16 ? `${value}:00` : value}Z`).toISOString();
}

function resultsTable(page: TransactionPage): HTMLElement {
  if (page.items.length === 0)
    return h('p', { class: 'muted', role: 'status' }, 'No transaction matches these filters.');
  return h(
    'table',
    { class: 'grid results-table' },
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        [
          'reference',
          'kind',
          'state',
          'status',
          'customer reference',
          'merchant reference',
          'acquired',
          'attempts',
          'updated',
        ].map((c) => h('th', { scope: 'col' }, c)),
      ),
    ),
    h(
      'tbody',
      null,
      page.items.map((v) =>
        h(
          'tr',
          { 'data-reference': v.reference },
          h('td', { class: 'mono' }, h('a', { href: `#/transactions/${v.kind}/${v.reference}` }, v.reference)),
          h('td', { class: 'kind' }, v.kind),
          h('td', null, badge(v.tracking.state)),
          h('td', null, badge(v.status)),
          h('td', null, v.customerReference ?? '—'),
          h('td', null, v.merchantReference ?? '—'),
          h('td', null, formatTime(v.acquiredAt)),
          h('td', { class: 'num' }, String(v.tracking.attempts)),
          h('td', null, formatTime(v.updatedAt)),
        ),
      ),
    ),
  );
}

/** Keyset paging: Next carries `next` as the cursor; Previous is Back in this tab's history. */
function pager(params: URLSearchParams, page: TransactionPage): HTMLElement {
  const nextParams = new URLSearchParams(params);
  nextParams.delete('run');
  if (page.next) nextParams.set('cursor', page.next);
  const first = new URLSearchParams(params);
  first.delete('cursor');
  first.set('run', '1');
  return h(
    'nav',
    { class: 'pager', 'aria-label': 'Pages' },
    params.has('cursor') ? h('a', { class: 'button', href: `#/search?${first.toString()}` }, 'First page') : null,
    params.has('cursor')
      ? h('button', { type: 'button', class: 'button', on: { click: () => history.back() } }, 'Previous page')
      : null,
    page.next
      ? h('a', { class: 'button', href: `#/search?${nextParams.toString()}`, rel: 'next' }, 'Next page')
      : h('span', { class: 'muted' }, 'Last page.'),
  );
}

/** Straight to one transaction, by kind and reference. */
function openByReference(): HTMLElement {
  const form = h(
    'form',
    {
      class: 'open-by-reference',
      method: 'post',
      'aria-label': 'Open a transaction by reference',
      on: {
        submit: (event) => {
          event.preventDefault();
          const data = new FormData(form);
          const reference = String(data.get('reference') ?? '')
            .trim()
            .toLowerCase();
          if (reference)
            location.hash = `#/transactions/${encodeURIComponent(String(data.get('kind')))}/${encodeURIComponent(reference)}`;
        },
      },
    },
    field(
      'open-kind',
      'Kind',
      h(
        'select',
        { id: 'f-open-kind', name: 'kind' },
        KINDS.map((k) => h('option', { value: k }, k)),
      ),
    ),
    field(
      'open-reference',
      'Reference',
      h('input', {
        id: 'f-open-reference',
        name: 'reference',
        type: 'text',
        required: true,
        autocomplete: 'off',
        placeholder: 'the transaction’s UUID',
      }),
    ),
    h('div', { class: 'filter-buttons' }, h('button', { type: 'submit', class: 'button' }, 'Open')),
  );
  return form;
}
