import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { CallbackProcessor } from '../../src/engine/callbacks/callback-processor';
import { launchChromium, screenshot, tabTo, watchPage, type PageWatch } from '../support/browser';
import { pollUntil } from '../support/poll-until';
import { ADMIN_KEY, BACKEND_KEY, bearer, startTestApp, type TestApp } from '../support/test-app';
import type { AccountStats } from '../../src/operators-page/browser/api-types';
import { callsPerSecond, formatEta, formatTime, olderKeysLeft } from '../../src/operators-page/browser/format';

const HOSTILE_NAME = '<img src=x onerror=alert(1)>';
const HOSTILE_MERCHANT = '<script>alert(2)</script>';
const HOSTILE_CALLBACK_NAME = '<svg onload=alert(4)>';

/**
 * The operators' page in headless Chromium against the real service (real PostgreSQL, the simulator over real
 * sockets, a manual clock): what an on-call engineer does, and what must never happen (script from a value, the
 * key in a URL or storage).
 */
describe("the operators' page (/admin) in a browser", () => {
  let t: TestApp;
  let browser: Browser;
  const customer = `customer-${randomUUID().slice(0, 8)}`;
  const retrieved = randomUUID();
  const awaiting = randomUUID();
  const overdue = randomUUID();
  const hostile = randomUUID();
  const viaCallback = randomUUID();

  const track = (kind: string, reference: string, body: Record<string, unknown> = {}) =>
    t
      .http()
      .post(`/v1/${kind}`)
      .set(bearer(BACKEND_KEY))
      .send({ reference, acquiredAt: t.clock.now().toISOString(), ...body })
      .expect(201);
  const admin = async (path: string) => (await t.http().get(path).set(bearer(ADMIN_KEY)).expect(200)).body;

  beforeAll(async () => {
    [t, browser] = await Promise.all([
      startTestApp({ env: { CALLBACK_ALLOWED_SOURCES: '127.0.0.1,::1' } }),
      launchChromium(),
    ]);
    t.simulator.script({ kind: 'scan', reference: retrieved, pendingPolls: 1 });
    t.simulator.script({ kind: 'scan', reference: hostile, firstName: HOSTILE_NAME });
    t.simulator.script({ kind: 'scan', reference: awaiting });
    await track('id-verifications', retrieved, { customerReference: customer, callbackGraceSeconds: 0 });
    await track('id-verifications', hostile, {
      customerReference: customer,
      merchantReference: HOSTILE_MERCHANT,
      callbackGraceSeconds: 0,
    });
    await track('id-verifications', awaiting, { customerReference: customer, callbackGraceSeconds: 3600 });
    for (let i = 0; i < 3; i++) {
      t.clock.advanceSeconds(40);
      await t.scheduler.drain();
    }
    // Jumio's callback for a reference nobody tracked, with a hostile name in it.
    t.simulator.script({ kind: 'scan', reference: viaCallback, lastName: HOSTILE_CALLBACK_NAME });
    t.simulator.setCallbackBaseUrl(`${t.baseUrl}/callbacks/jumio`);
    t.simulator.sendCallback('scan', viaCallback);
    await pollUntil(
      async () => (t.simulator.sentCallbacks(viaCallback)[0]?.httpStatus === 200 ? true : null),
      15_000,
      'the callback',
    );
    await t.app.get(CallbackProcessor).drain();
    await t.scheduler.drain();
    // Late by 30 s at the clock's time, and nobody has run it: the oldest overdue step.
    await track('authentications', overdue, { callbackGraceSeconds: 60 });
    t.clock.advanceSeconds(90);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  let context: BrowserContext;
  let page: Page;
  let watch: PageWatch;
  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    page = await context.newPage();
    watch = await watchPage(page);
  });
  afterEach(async () => {
    expect(watch.dialogs).toEqual([]);
    expect(watch.errors).toEqual([]);
    expect(await watch.violations()).toEqual([]);
    await context.close();
  });

  const signIn = async (key = ADMIN_KEY) => {
    await page.goto(`${t.baseUrl}/admin`);
    await page.fill('#admin-key', key);
    await page.click('button[type=submit]');
  };
  /** The login's answer to a refused key. */
  const refusal = async () => (await page.waitForSelector('.login-feedback .notice-error')).textContent();

  it('refuses a wrong key and a key without the admin scope, each saying so, and keeps neither', async () => {
    await page.goto(`${t.baseUrl}/admin`);
    await screenshot(page, 'operators-page-key');
    await signIn('not-a-key');
    expect(await refusal()).toBe('Wrong key: the service does not know this key (401).');
    await signIn(BACKEND_KEY);
    const noScope = await refusal();
    expect(noScope).toContain('does not have the admin scope (403)');
    expect(noScope).toContain('lacks the "admin" scope');
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    expect(await page.locator('[data-stat]').count()).toBe(0);
  });

  it('shows the overview with the numbers of GET /v1/admin/stats and the chart of the last hour', async () => {
    await signIn();
    await page.waitForSelector('[data-stat="due-now"]');
    const stats = await admin('/v1/admin/stats');
    const card = (name: string) => page.locator(`[data-stat="${name}"] .card-value`).textContent();
    expect(await card('due-now')).toBe(String(stats.dueNow));
    expect(stats.dueNow).toBeGreaterThan(0);
    expect(stats.oldestOverdue).toMatchObject({ reference: overdue, lateSeconds: 30 });
    expect(await card('oldest-overdue')).toBe('30 s late');
    expect(await page.locator('[data-stat="oldest-overdue"] a').getAttribute('href')).toBe(
      `#/transactions/authentications/${overdue}`,
    );
    const total = stats.jumioCalls.reduce((sum: number, c: { count: number }) => sum + c.count, 0);
    expect(await card('calls-last-hour')).toBe(String(total));
    expect(stats.encryption.activeKeyId).toBe('test1');
    expect(await card('encryption')).toBe('test1');
    expect(await page.locator('[data-stat="encryption"]').textContent()).toContain(olderKeysLeft(stats.encryption));
    for (const [kind, byState] of Object.entries(stats.states as Record<string, Record<string, number>>)) {
      for (const state of ['AWAITING_CALLBACK', 'RECONCILING', 'RETRIEVED', 'PURGED']) {
        const cell = page.locator(`tr[data-kind="${kind}"] td[data-state="${state}"]`);
        expect(await cell.textContent()).toBe(String(byState[state] ?? 0));
      }
    }
    const rows = await page.locator('.calls-table tbody tr').allTextContents();
    expect(rows).toEqual(
      stats.jumioCalls.map(
        (c: { kind: string; endpoint: string; httpStatus: number; count: number }) =>
          `${c.kind}${c.endpoint}${c.httpStatus}${c.count}`,
      ),
    );
    // Each account's row: its state, since, pace against its ceiling, due calls and when it is caught up.
    const accounts = await page
      .locator('table.accounts tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) => [tr.getAttribute('data-account'), ...[...tr.children].map((c) => c.textContent!.trim())]),
      );
    expect(stats.accounts.length).toBeGreaterThan(0);
    expect(accounts).toEqual(
      stats.accounts.map((a: AccountStats) => [
        `${a.name}/${a.datacenter}`,
        a.name,
        a.datacenter,
        a.state,
        formatTime(a.since),
        `${callsPerSecond(a.callsLastMinute)} / ${a.ceilingPerSecond}`,
        a.dueCalls === undefined ? '—' : String(a.dueCalls),
        a.etaSeconds === undefined ? '—' : formatEta(a.etaSeconds),
      ]),
    );
    expect(await page.locator('.chart canvas').count()).toBeGreaterThan(0);
    expect(await page.locator('.chart-legend li').allTextContents()).toEqual(['answered (2xx)']);
    await screenshot(page, 'operators-page-overview');
  });

  it('finds transactions by customer reference, opens one: timeline, images, then reconcile and purge', async () => {
    await signIn();
    await page.waitForSelector('[data-stat="due-now"]');
    await page.click('nav >> text=Search');
    await page.fill('#f-customerReference', customer);
    await page.click('button:text("Search")');
    await page.waitForSelector('.results-table');
    const listed = await page
      .locator('.results-table tbody tr')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-reference')));
    const api = await admin(`/v1/admin/transactions?customerReference=${customer}`);
    expect(listed).toEqual(api.items.map((v: { reference: string }) => v.reference));
    expect(listed).toHaveLength(3);
    await screenshot(page, 'operators-page-search');

    await page.click(`a:text("${retrieved}")`);
    await page.waitForSelector('.timeline');
    expect(page.url()).toBe(`${t.baseUrl}/admin#/transactions/id-verifications/${retrieved}`);
    expect(await page.locator('[data-fact="state"]').textContent()).toBe('RETRIEVED');
    const [events, attempts] = await Promise.all([
      admin(`/v1/admin/transactions/id-verifications/${retrieved}/events`),
      admin(`/v1/admin/transactions/id-verifications/${retrieved}/attempts`),
    ]);
    expect(await page.locator('.timeline tbody tr').count()).toBe(events.items.length + attempts.items.length);
    expect(await page.locator('.timeline-event').allTextContents()).toEqual(
      events.items.map((e: { type: string }) => expect.stringContaining(e.type)),
    );
    // Five images inline (front, back, face, 2 liveness), each decoded from a blob: URL; the facemap as a download.
    await page.waitForFunction("document.querySelectorAll('.medium img').length === 5");
    const images = await page
      .locator('.medium img')
      .evaluateAll((imgs: any[]) => imgs.map((i) => ({ src: i.src, decoded: i.complete && i.naturalWidth > 0 })));
    for (const image of images) expect(image).toEqual({ src: expect.stringMatching(/^blob:/), decoded: true });
    expect(await page.locator('.medium a[download]').textContent()).toBe('Download facemap');
    await screenshot(page, 'operators-page-transaction');

    // Reconcile on a final transaction: the confirmation, then the API's refusal shown as it came.
    await page.click('button:text("Reconcile now")');
    await page.click('dialog button:text("Reconcile now")');
    await expect(page.locator('dialog .notice-error').textContent()).resolves.toContain(
      'already RETRIEVED: nothing to re-check',
    );
    await page.click('dialog button:text("Cancel")');

    // Purge: confirmed, answered, and the page shows the purged transaction.
    await page.click('button:text("Purge personal data")');
    await page.waitForSelector('dialog[open]');
    await screenshot(page, 'operators-page-confirm', false);
    await page.click('dialog button:text("Purge")');
    await expect(page.locator('dialog .notice-ok').textContent()).resolves.toContain('Purged (200).');
    await page.click('dialog button:text("Close")');
    await page.locator('[data-fact="state"]', { hasText: 'PURGED' }).waitFor();
    expect(await page.locator('.media').count()).toBe(0);
    expect(await page.locator('.timeline-event').last().textContent()).toContain('PERSONAL_DATA_PURGED');
    expect((await admin(`/v1/id-verifications/${retrieved}`)).tracking.state).toBe('PURGED');
  });

  it('reconciles a transaction still waiting for its callback: 202 shown, then the calls it caused, by the key', async () => {
    await signIn();
    await page.waitForSelector('[data-stat="due-now"]');
    await page.goto(`${t.baseUrl}/admin#/transactions/id-verifications/${awaiting}`);
    await page.locator('[data-fact="state"]', { hasText: 'AWAITING_CALLBACK' }).waitFor();
    await page.click('button:text("Reconcile now")');
    await page.click('dialog button:text("Reconcile now")');
    await expect(page.locator('dialog .notice-ok').textContent()).resolves.toContain('Scheduled (202).');
    await t.scheduler.drain();
    await page.click('dialog button:text("Close")');
    await page.locator('[data-fact="state"]', { hasText: 'RETRIEVED' }).waitFor();
    expect(await page.locator('.timeline-call td:nth-child(6)').allTextContents()).toContain('test-ops');
  });

  it('deletes a retrieved transaction at Jumio from its page: confirmed, 202, then the DELETE and JUMIO_DELETED', async () => {
    const reference = randomUUID();
    t.simulator.script({ kind: 'scan', reference });
    await track('id-verifications', reference, { callbackGraceSeconds: 0 });
    for (let i = 0; i < 3; i++) {
      t.clock.advanceSeconds(40);
      await t.scheduler.drain();
    }
    expect((await admin(`/v1/id-verifications/${reference}`)).tracking).toMatchObject({
      state: 'RETRIEVED',
      jumioDeletion: null,
    });
    await signIn();
    await page.waitForSelector('[data-stat="due-now"]');
    await page.goto(`${t.baseUrl}/admin#/transactions/id-verifications/${reference}`);
    await page.locator('[data-fact="state"]', { hasText: 'RETRIEVED' }).waitFor();
    await page.click('button:text("Delete at Jumio")');
    await page.click('dialog button:text("Delete at Jumio")');
    await expect(page.locator('dialog .notice-ok').textContent()).resolves.toContain('Deletion asked (202).');
    await t.scheduler.drain();
    const deletes = t.simulator.requests({ reference }).filter((c) => c.endpoint === 'delete');
    expect(deletes.map((c) => [c.method, c.httpStatus])).toEqual([['DELETE', 200]]);
    await page.click('dialog button:text("Close")');
    await page.locator('.timeline-event', { hasText: 'JUMIO_DELETED' }).waitFor();
    const deletion = (await admin(`/v1/id-verifications/${reference}`)).tracking.jumioDeletion;
    expect(deletion).toEqual({ requestedAt: expect.any(String), deletedAt: expect.any(String), lastError: null });
    expect(await page.locator('[data-fact="deleted at Jumio"]').textContent()).toContain(
      `deleted ${formatTime(deletion.deletedAt)}`,
    );
    // The local copy is kept: the state stays RETRIEVED, and asking again is refused with the API's reason.
    expect(await page.locator('[data-fact="state"]').textContent()).toBe('RETRIEVED');
    await page.click('button:text("Delete at Jumio")');
    await page.click('dialog button:text("Delete at Jumio")');
    await expect(page.locator('dialog .notice-error').textContent()).resolves.toContain('409');
    await page.click('dialog button:text("Cancel")');
  });

  it('shows hostile values from Jumio, a callback and a backend as text: no script runs', async () => {
    await signIn();
    await page.waitForSelector('[data-stat="due-now"]');
    await page.goto(`${t.baseUrl}/admin#/search?merchantReference=${encodeURIComponent(HOSTILE_MERCHANT)}`);
    await page.waitForSelector('.results-table');
    expect(await page.locator('.results-table tbody td').nth(5).textContent()).toBe(HOSTILE_MERCHANT);
    await page.click(`a:text("${hostile}")`);
    await page.waitForSelector('.tree');
    // Jumio's firstName, in the result and in the raw JSON, is those characters and nothing else.
    const firstName = page.locator('.tree dt:text-is("firstName") + dd');
    expect(await firstName.textContent()).toBe(HOSTILE_NAME);
    expect(await page.locator('[data-fact="merchant reference"]').textContent()).toBe(HOSTILE_MERCHANT);
    expect(await page.locator('img[src="x"], script:not([src])').count()).toBe(0);
    expect(await page.locator('.raw pre').textContent()).toContain(JSON.stringify(HOSTILE_NAME).slice(1, -1));
    expect(await watch.violations()).toEqual([]);
    // Even a bug that wrote HTML would be refused by the browser: Trusted Types with no policy.
    const sink = await page.evaluate(`(() => {
      try {
        document.body.insertAdjacentHTML('beforeend', '<img src=x onerror=alert(3)>');
        return 'written';
      } catch (error) {
        return error.name;
      }
    })()`);
    expect(sink).toBe('TypeError');
    // And the name a callback brought.
    await page.goto(`${t.baseUrl}/admin#/transactions/id-verifications/${viaCallback}`);
    await page.locator('[data-fact="state"]', { hasText: 'CALLBACK_RECEIVED' }).waitFor();
    expect(await page.locator('.tree dt:text-is("lastName") + dd').textContent()).toBe(HOSTILE_CALLBACK_NAME);
    expect(await page.locator('svg').count()).toBe(0);
    expect(await watch.violations()).toEqual(['require-trusted-types-for trusted-types-sink']);
    await page.evaluate('window.__violations.splice(0)');
  });

  it('keeps the key for this tab only: not in any URL, cookie or localStorage, not in a new tab', async () => {
    const urls: string[] = [];
    page.on('request', (r) => urls.push(r.url()));
    await signIn();
    await page.waitForSelector('[data-stat="due-now"]');
    expect(urls.some((u) => u.includes(ADMIN_KEY))).toBe(false);
    expect(urls.filter((u) => u.includes('/v1/admin/stats')).length).toBeGreaterThan(0);
    expect(await context.cookies()).toEqual([]);
    expect(await page.evaluate('localStorage.length')).toBe(0);
    expect(await page.evaluate('sessionStorage.length')).toBe(1);
    await page.reload();
    await page.waitForSelector('[data-stat="due-now"]');
    const other = await context.newPage();
    await other.goto(`${t.baseUrl}/admin`);
    await other.waitForSelector('#admin-key');
    await other.close();
    await page.click('button:text("Forget key")');
    await page.waitForSelector('#admin-key');
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
  });

  it('works with the keyboard alone: sign in, search, open a transaction, confirm and cancel an action', async () => {
    await page.goto(`${t.baseUrl}/admin`);
    await page.waitForSelector('#admin-key:focus');
    await page.keyboard.type(ADMIN_KEY);
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-stat="due-now"]');
    await tabTo(page, (el) => el.tag === 'a' && el.text === 'Search');
    await page.keyboard.press('Enter');
    await page.waitForSelector('h1:text("Search"):focus');
    await tabTo(page, (el) => el.label === 'Customer reference');
    await page.keyboard.type(customer);
    await page.keyboard.press('Enter');
    await page.waitForSelector('.results-table');
    await tabTo(page, (el) => el.tag === 'a' && el.text === hostile);
    await page.keyboard.press('Enter');
    await page.waitForSelector('.timeline');
    expect(page.url()).toContain(`#/transactions/id-verifications/${hostile}`);
    await tabTo(page, (el) => el.text === 'Purge personal data');
    await page.keyboard.press('Enter');
    await page.waitForSelector('dialog[open]');
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Cancel');
    await page.keyboard.press('Escape');
    await page.waitForSelector('dialog', { state: 'detached' });
    expect((await admin(`/v1/id-verifications/${hostile}`)).tracking.state).toBe('RETRIEVED');
    // Back to the overview by keyboard: the skip button and the navigation come first.
    await page.keyboard.press('Shift+Tab');
    await tabTo(page, (el) => el.tag === 'a' && el.text === 'Overview', 60);
    await page.keyboard.press('Enter');
    await page.waitForSelector('h1:text("Overview"):focus');
  });
});
