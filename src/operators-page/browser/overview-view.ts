import type { AdminStats } from './api-types.js';
import { TRACKING_STATES } from './api-types.js';
import type { View } from './app-context.js';
import { callsChart } from './calls-chart.js';
import { h, show } from './dom.js';
import { callsPerSecond, formatDuration, formatEta, formatTime, olderKeysLeft } from './format.js';
import { badge, errorBox, heading, loading, section } from './widgets.js';
import { ApiError } from './admin-api.js';

const REFRESH_MS = 10_000;

/** The backlog at a glance, refreshed every 10 s while it is shown. */
export const overviewView: View = async (ctx) => {
  const updated = h('span', { class: 'muted', 'aria-live': 'off' });
  const body = h('div', { class: 'overview' }, loading('the overview'));
  const refresh = h('button', { type: 'button', class: 'button', on: { click: () => void load() } }, 'Refresh now');
  show(ctx.main, heading('Overview'), h('p', { class: 'toolbar' }, updated, refresh), body);

  const load = async () => {
    try {
      const stats = await ctx.api.stats();
      ctx.lastStats = stats;
      // A refresh must not throw a keyboard user's focus away: the link that had it gets it back.
      const focused = body.contains(document.activeElement) ? document.activeElement?.getAttribute('href') : null;
      show(body, ...overview(stats, body.clientWidth || 800));
      if (focused) body.querySelector<HTMLElement>(`a[href="${CSS.escape(focused)}"]`)?.focus();
      show(updated, `Updated ${formatTime(new Date().toISOString())} · refreshes every ${REFRESH_MS / 1000} s`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 401)
        return ctx.signOut('The service no longer accepts this key.');
      show(body, errorBox(error, 'Loading the overview'));
    }
  };
  await load();
  const timer = setInterval(() => void load(), REFRESH_MS);
  return () => clearInterval(timer);
};

function overview(stats: AdminStats, width: number): HTMLElement[] {
  const totalCalls = stats.jumioCalls.reduce((sum, c) => sum + c.count, 0);
  const tracked = Object.values(stats.states).reduce(
    (sum, byState) => sum + Object.values(byState).reduce((a, b) => a + b, 0),
    0,
  );
  const oldest = stats.oldestOverdue;
  return [
    h(
      'div',
      { class: 'cards' },
      card('Due now', String(stats.dueNow), 'steps whose time has come', 'due-now'),
      card(
        'Oldest overdue',
        oldest ? `${formatDuration(oldest.lateSeconds)} late` : 'none',
        oldest
          ? h('a', { href: `#/transactions/${oldest.kind}/${oldest.reference}` }, `${oldest.kind} ${oldest.reference}`)
          : 'nothing is late',
        'oldest-overdue',
      ),
      card('Jumio calls, last hour', String(totalCalls), 'every call, whatever its answer', 'calls-last-hour'),
      card('Tracked', String(tracked), 'transactions of every kind and state', 'tracked'),
      stats.encryption
        ? card('Encryption key', stats.encryption.activeKeyId, olderKeysLeft(stats.encryption), 'encryption')
        : null,
    ),
    section('Backlog by kind and state', backlogTable(stats)),
    accountsSection(stats),
    section(
      'Jumio calls in the last hour, by outcome',
      h(
        'div',
        { class: 'calls' },
        callsChart(stats.jumioCalls, Math.max(320, Math.min(640, width - 420))),
        callsTable(stats),
      ),
    ),
  ];
}

function card(title: string, value: string, note: HTMLElement | string, name: string): HTMLElement {
  return h(
    'div',
    { class: 'card', 'data-stat': name },
    h('div', { class: 'card-title' }, title),
    h('div', { class: 'card-value' }, value),
    h('div', { class: 'card-note' }, note),
  );
}

function backlogTable(stats: AdminStats): HTMLElement {
  const kinds = Object.keys(stats.states);
  const seen = new Set(kinds.flatMap((k) => Object.keys(stats.states[k])));
  const states = [...TRACKING_STATES, ...[...seen].filter((s) => !(TRACKING_STATES as readonly string[]).includes(s))];
  return h(
    'table',
    { class: 'grid backlog' },
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        h('th', { scope: 'col' }, 'kind'),
        states.map((s) => h('th', { scope: 'col' }, badge(s))),
      ),
    ),
    h(
      'tbody',
      null,
      kinds.map((kind) =>
        h(
          'tr',
          { 'data-kind': kind },
          h('th', { scope: 'row' }, kind),
          states.map((state) => {
            const n = stats.states[kind][state] ?? 0;
            return h(
              'td',
              { class: n ? 'num' : 'num zero', 'data-state': state },
              n
                ? h(
                    'a',
                    { href: `#/search?kind=${kind}&state=${state}`, 'aria-label': `${n} ${kind} ${state}` },
                    String(n),
                  )
                : '0',
            );
          }),
        ),
      ),
    ),
  );
}

/** Each Jumio account's state and pace (issue 15): shown when the stats carry accounts. */
function accountsSection(stats: AdminStats): HTMLElement {
  if (!stats.accounts)
    return section('Accounts', h('p', { class: 'muted' }, 'This service does not report Jumio accounts yet.'));
  return section(
    'Accounts',
    h(
      'table',
      { class: 'grid accounts' },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          ['account', 'data center', 'state', 'since', 'calls per second', 'due calls', 'caught up'].map((c) =>
            h('th', { scope: 'col' }, c),
          ),
        ),
      ),
      h(
        'tbody',
        null,
        stats.accounts.map((a) => {
          const pace = callsPerSecond(a.callsLastMinute);
          return h(
            'tr',
            { 'data-account': `${a.name}/${a.datacenter}` },
            h('th', { scope: 'row' }, a.name),
            h('td', null, a.datacenter),
            h('td', null, badge(a.state)),
            h('td', null, formatTime(a.since)),
            h(
              'td',
              { class: 'num' },
              h('meter', {
                min: 0,
                max: a.ceilingPerSecond,
                value: Math.min(pace, a.ceilingPerSecond),
                'aria-hidden': 'true',
              }),
              ` ${pace} / ${a.ceilingPerSecond}`,
            ),
            h('td', { class: 'num' }, a.dueCalls === undefined ? '—' : String(a.dueCalls)),
            h('td', null, a.etaSeconds === undefined ? '—' : formatEta(a.etaSeconds)),
          );
        }),
      ),
    ),
  );
}

function callsTable(stats: AdminStats): HTMLElement {
  return h(
    'table',
    { class: 'grid calls-table' },
    h('caption', null, 'Calls of the last hour'),
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        ['kind', 'call', 'HTTP status', 'calls'].map((c) => h('th', { scope: 'col' }, c)),
      ),
    ),
    h(
      'tbody',
      null,
      stats.jumioCalls.length === 0
        ? h('tr', null, h('td', { colspan: '4', class: 'muted' }, 'none'))
        : stats.jumioCalls.map((c) =>
            h(
              'tr',
              { class: 'call-row' },
              h('td', null, c.kind ?? ''),
              h('td', null, c.endpoint),
              h('td', null, c.httpStatus === null ? 'no answer' : String(c.httpStatus)),
              h('td', { class: 'num' }, String(c.count)),
            ),
          ),
    ),
  );
}
