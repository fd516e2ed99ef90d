import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's chromium package (`.ci/run` installs it); CHROMIUM_PATH points elsewhere. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Headless Chromium, driven by playwright-core (which downloads no browser of its own). */
export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM_PATH))
    throw new Error(
      `no Chromium at ${CHROMIUM_PATH}: install Debian's package (apt-get install chromium) or set CHROMIUM_PATH`,
    );
  // --no-sandbox: Chromium's own sandbox cannot run as root (CI runs as root).
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ['--no-sandbox'] });
}

/** What a page did that a test must see: script dialogs (alert), errors, CSP violations. */
export interface PageWatch {
  dialogs: string[];
  errors: string[];
  violations: () => Promise<string[]>;
}

export async function watchPage(page: Page): Promise<PageWatch> {
  const watch = { dialogs: [] as string[], errors: [] as string[] };
  page.on('dialog', (dialog) => {
    watch.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => watch.errors.push(error.message));
  // Every CSP violation the page causes, kept in the page (scripts run in the browser, written as their text).
  await page.addInitScript(`
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
  `);
  return { ...watch, violations: () => page.evaluate<string[]>('window.__violations') };
}

/** With OPERATORS_PAGE_SCREENSHOTS=<dir>, the page as the test sees it, 1,400 px wide (the README shows them). */
export async function screenshot(page: Page, name: string, fullPage = true): Promise<void> {
  const dir = process.env.OPERATORS_PAGE_SCREENSHOTS;
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage });
}

/** Presses Tab until the focused element matches, as a keyboard-only user would; fails after `max` presses. */
export async function tabTo(
  page: Page,
  matches: (el: { tag: string; text: string; label: string }) => boolean,
  max = 40,
) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate<{ tag: string; text: string; label: string }>(`(() => {
      const el = document.activeElement;
      const label = el && el.id ? document.querySelector('label[for="' + el.id + '"]') : null;
      return {
        tag: el ? el.tagName.toLowerCase() : '',
        text: el ? (el.textContent || '').trim() : '',
        label: label ? label.textContent : '',
      };
    })()`);
    if (matches(focused)) return focused;
  }
  throw new Error(`no element matched after ${max} presses of Tab`);
}
