import { AdminApi } from './admin-api.js';
import type { AppContext, View } from './app-context.js';
import { h, show } from './dom.js';
import { showLogin } from './login-view.js';
import { overviewView } from './overview-view.js';
import { searchView } from './search-view.js';
import { forgetKey, storedKey } from './session.js';
import { transactionView } from './transaction-view.js';

/**
 * The operators' page: a key form until a key works, then three routes in the URL's fragment (never sent to the
 * server): #/ the overview, #/search?<filters> the search, #/transactions/<kind>/<reference> one transaction.
 */
const main = h('main', { id: 'main', tabindex: '-1' });
const nav = h(
  'nav',
  { class: 'nav', 'aria-label': 'Sections' },
  h('a', { href: '#/', 'data-route': 'overview' }, 'Overview'),
  h('a', { href: '#/search', 'data-route': 'search' }, 'Search'),
);
const signOutButton = h(
  'button',
  { type: 'button', class: 'button button-quiet', on: { click: () => signOut(null) } },
  'Forget key',
);
const header = h(
  'header',
  { class: 'top' },
  h('button', { type: 'button', class: 'skip-link', on: { click: () => focusMain() } }, 'Skip to content'),
  h('div', { class: 'brand' }, 'jumio-fallback', h('span', { class: 'muted' }, ' · operators')),
  nav,
  signOutButton,
);
show(document.getElementById('app')!, header, main);

let ctx: AppContext | null = null;
let stopView: () => void = () => undefined;
let rendering = 0;

function signOut(message: string | null): void {
  forgetKey();
  stopView();
  stopView = () => undefined;
  ctx = null;
  document.body.classList.add('signed-out');
  showLogin(main, message, (api, stats) => start(api, stats));
}

function start(api: AdminApi, stats: AppContext['lastStats']): void {
  document.body.classList.remove('signed-out');
  ctx = { api, main, signOut, lastStats: stats };
  void route();
}

const ROUTES: Record<string, View> = { '': overviewView, search: searchView, transactions: transactionView };

async function route(): Promise<void> {
  if (!ctx) return;
  const [pathPart, queryPart = ''] = location.hash.replace(/^#\/?/, '').split('?');
  const [name = '', ...path] = pathPart.split('/').filter(Boolean);
  const view = ROUTES[name] ?? overviewView;
  for (const link of nav.querySelectorAll('a'))
    link.toggleAttribute(
      'aria-current',
      link.dataset.route === (name === 'transactions' ? 'search' : name || 'overview'),
    );
  stopView();
  stopView = () => undefined;
  const turn = ++rendering;
  const stop = await view(ctx, new URLSearchParams(queryPart), path);
  if (turn !== rendering) return stop();
  stopView = stop;
  focusMain();
}

/** After a navigation, the focus goes to the new page's heading, as a page load would put it at the top. */
function focusMain(): void {
  const title = main.querySelector<HTMLElement>('.page-title');
  (title ?? main).focus();
}

window.addEventListener('hashchange', () => void route());
const key = storedKey();
if (key) start(new AdminApi(key), null);
else signOut(null);
