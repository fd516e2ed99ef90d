import { ApiError, type AdminApi } from './admin-api.js';
import type { Attempt, TransactionView } from './api-types.js';
import type { View } from './app-context.js';
import { confirmAction } from './confirm-dialog.js';
import { h, show } from './dom.js';
import { formatBytes, formatTime } from './format.js';
import { mergeTimeline, type TimelineEntry } from './timeline.js';
import { badge, errorBox, facts, heading, loading, section, valueTree } from './widgets.js';

/**
 * One transaction: its view, a timeline of its events and calls to Jumio, its media (fetched with the key and shown
 * from blob: URLs, never by a URL carrying a secret), its result, and the actions, each behind a confirmation.
 */
export const transactionView: View = async (ctx, _params, path) => {
  const [kind, reference] = path.map(decodeURIComponent);
  const urls: string[] = [];
  const release = () => urls.splice(0).forEach((u) => URL.revokeObjectURL(u));
  const body = h('div', { class: 'transaction' }, loading('the transaction'));
  show(ctx.main, heading(h('span', { class: 'muted' }, `${kind} `), h('span', { class: 'mono' }, reference)), body);

  const load = async (): Promise<void> => {
    try {
      const [view, events, attempts] = await Promise.all([
        ctx.api.view(kind, reference),
        ctx.api.events(kind, reference),
        ctx.api.attempts(kind, reference),
      ]);
      release();
      show(
        body,
        actions(ctx.api, view, load),
        section('Tracking', summary(view)),
        section('Timeline', timeline(mergeTimeline(events.items, attempts.items))),
        section('Media', media(ctx.api, view, urls)),
        section(
          'Result',
          view.result === null ? h('p', { class: 'muted' }, 'Nothing retrieved (or purged).') : valueTree(view.result),
        ),
        h(
          'details',
          { class: 'panel raw' },
          h('summary', null, 'The view as the API returns it (JSON)'),
          h('pre', null, JSON.stringify(view, null, 2)),
        ),
      );
    } catch (error) {
      if (error instanceof ApiError && error.status === 401)
        return ctx.signOut('The service no longer accepts this key.');
      show(body, errorBox(error, 'Loading the transaction'));
    }
  };
  await load();
  return release;
};

function summary(view: TransactionView): HTMLElement {
  const t = view.tracking;
  return facts([
    ['state', badge(t.state)],
    ['status', badge(view.status)],
    ['data center', view.datacenter],
    ...('account' in t ? ([['account', t.account ?? null]] as [string, string | null][]) : []),
    ['customer reference', view.customerReference],
    ['merchant reference', view.merchantReference],
    ['acquired', formatTime(view.acquiredAt)],
    ['callback deadline', formatTime(t.callbackDeadline)],
    ['callback received', formatTime(t.callbackReceivedAt)],
    ['attempts (status calls)', String(t.attempts)],
    ['last attempt', formatTime(t.lastAttemptAt)],
    ['next attempt', formatTime(t.nextAttemptAt)],
    ['last error', t.lastError],
    ['retrieved', formatTime(view.retrievedAt)],
    ['updated', formatTime(view.updatedAt)],
    ...(deleteAtJumioAvailable(view)
      ? ([
          [
            'deleted at Jumio',
            t.jumioDeletion
              ? `requested ${formatTime(t.jumioDeletion.requestedAt)}, deleted ${formatTime(t.jumioDeletion.deletedAt)}${t.jumioDeletion.lastError ? `, last error: ${t.jumioDeletion.lastError}` : ''}`
              : 'not asked',
          ],
        ] as [string, string][])
      : []),
  ]);
}

/**
 * The hook for deleting at Jumio (issue 16): the view carries `tracking.jumioDeletion` (null until a deletion falls
 * due) exactly when the service can delete at Jumio, so the action is offered only then.
 */
export function deleteAtJumioAvailable(view: TransactionView): boolean {
  return 'jumioDeletion' in view.tracking;
}

const FINAL = ['RETRIEVED', 'NOT_FOUND', 'EXHAUSTED', 'PURGED'];

function actions(api: AdminApi, view: TransactionView, reload: () => Promise<void>): HTMLElement {
  const { kind, reference } = view;
  const answered = (v: TransactionView, what: string) =>
    h(
      'p',
      null,
      `${what} The transaction is now `,
      badge(v.tracking.state),
      v.tracking.nextAttemptAt ? `, next attempt due ${formatTime(v.tracking.nextAttemptAt)}.` : '.',
    );
  const button = (label: string, danger: boolean, open: () => Promise<boolean>) =>
    h(
      'button',
      {
        type: 'button',
        class: `button ${danger ? 'button-danger' : ''}`,
        on: { click: async () => (await open()) && (await reload()) },
      },
      label,
    );
  const canDelete = deleteAtJumioAvailable(view);
  return h(
    'div',
    { class: 'actions', role: 'group', 'aria-label': 'Actions' },
    button('Reconcile now', false, () =>
      confirmAction({
        title: 'Reconcile now',
        explanation: h(
          'p',
          null,
          FINAL.includes(view.tracking.state)
            ? `This transaction is ${view.tracking.state}: the service will refuse (nothing is left to check).`
            : 'Ask Jumio about this transaction now, within the rate ceiling; the calls are logged with your key’s name.',
        ),
        confirmLabel: 'Reconcile now',
        run: async () => answered(await api.reconcile(kind, reference), 'Scheduled (202).'),
      }),
    ),
    button('Purge personal data', true, () => {
      const atJumio = h('input', { type: 'checkbox', id: 'purge-at-jumio' });
      return confirmAction({
        title: 'Purge personal data',
        explanation: [
          h(
            'p',
            null,
            'Delete the stored result, media and Jumio payloads of this transaction. Its tracking record and attempt log stay. This cannot be undone.',
          ),
          canDelete
            ? h('p', null, atJumio, ' ', h('label', { for: 'purge-at-jumio' }, 'Also delete it at Jumio'))
            : null,
        ],
        confirmLabel: 'Purge',
        danger: true,
        run: async () => answered(await api.purge(kind, reference, canDelete && atJumio.checked), 'Purged (200).'),
      });
    }),
    canDelete
      ? button('Delete at Jumio', true, () =>
          confirmAction({
            title: 'Delete at Jumio',
            explanation: h(
              'p',
              null,
              'Delete this transaction at Jumio and keep the copy stored here; a transaction not yet retrieved is deleted once it is.',
            ),
            confirmLabel: 'Delete at Jumio',
            danger: true,
            run: async () => answered(await api.deleteAtJumio(kind, reference), 'Deletion asked (202).'),
          }),
        )
      : null,
  );
}

function timeline(entries: TimelineEntry[]): HTMLElement {
  if (entries.length === 0) return h('p', { class: 'muted' }, 'Nothing yet.');
  return h(
    'table',
    { class: 'grid timeline' },
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        ['time', 'what', 'HTTP', 'outcome', 'duration', 'by', 'error'].map((c) => h('th', { scope: 'col' }, c)),
      ),
    ),
    h(
      'tbody',
      null,
      entries.map((entry) =>
        entry.source === 'event'
          ? h(
              'tr',
              { class: 'timeline-event' },
              h('td', { class: 'time' }, formatTime(entry.at)),
              h('td', { colspan: '6' }, h('span', { class: 'tag tag-event' }, 'event'), ' ', badge(entry.event.type)),
            )
          : callRow(entry.call),
      ),
    ),
  );
}

function callRow(call: Attempt): HTMLElement {
  return h(
    'tr',
    { class: 'timeline-call' },
    h('td', { class: 'time' }, formatTime(call.at)),
    h(
      'td',
      null,
      h('span', { class: 'tag tag-call' }, call.callType),
      ' ',
      h('span', { class: 'mono endpoint' }, call.endpoint),
    ),
    h('td', { class: 'num' }, call.httpStatus === null ? '—' : String(call.httpStatus)),
    h(
      'td',
      null,
      call.outcome,
      call.countsAsAttempt
        ? h('span', { class: 'muted', title: 'counts as one of Jumio’s attempts' }, ' ·attempt')
        : null,
    ),
    h('td', { class: 'num' }, `${call.durationMs} ms`),
    h('td', null, call.actor ?? 'scheduler'),
    h('td', { class: 'error' }, call.error ?? ''),
  );
}

/** Images inline, other media (PDF, facemap) as downloads; each fetched with the key into a blob: URL. */
function media(api: AdminApi, view: TransactionView, urls: string[]): HTMLElement {
  if (view.media.length === 0) return h('p', { class: 'muted' }, 'No media stored.');
  return h(
    'div',
    { class: 'media' },
    view.media.map((m) => {
      const slot = h('div', { class: 'medium-slot' }, loading(m.name));
      const figure = h(
        'figure',
        { class: 'medium' },
        slot,
        h('figcaption', null, h('strong', null, m.name), ` · ${m.contentType} · ${formatBytes(m.bytes)}`),
      );
      void api.medium(m.href).then(
        (blob) => {
          const url = URL.createObjectURL(blob);
          urls.push(url);
          show(
            slot,
            m.contentType.startsWith('image/')
              ? h('img', { src: url, alt: `${m.name} of ${view.reference}` })
              : h('a', { href: url, download: `${view.reference}-${m.name}`, class: 'button' }, `Download ${m.name}`),
          );
        },
        (error: unknown) => show(slot, errorBox(error, `Loading ${m.name}`)),
      );
      return figure;
    }),
  );
}
