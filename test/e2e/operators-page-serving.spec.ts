import fs from 'node:fs';
import { PAGE_DIR } from '../../src/operators-page/page-assets';
import { startTestApp, type TestApp } from '../support/test-app';

/** How /admin and its files are served: no key, only the service's own files, and the page's security headers. */
describe("the operators' page: serving", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const STRICT = {
    'content-security-policy': expect.any(String),
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
  };

  it('serves the page without a key, with a strict Content-Security-Policy and no framing or referrer', async () => {
    const res = await t.http().get('/admin').expect(200);
    expect(res.headers).toMatchObject({ ...STRICT, 'content-type': 'text/html; charset=utf-8' });
    const csp = res.headers['content-security-policy'].split('; ');
    expect(csp).toEqual(
      expect.arrayContaining([
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "form-action 'none'",
        "require-trusted-types-for 'script'",
      ]),
    );
    expect(res.headers['content-security-policy']).not.toMatch(/unsafe-|https?:|\*/);
    expect(res.headers['set-cookie']).toBeUndefined();
    // No inline script or style: every script and stylesheet is a file of the service's own.
    expect(res.text).not.toMatch(/<script(?![^>]*\ssrc="\/admin\/assets\/)/);
    expect(res.text).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    await t.http().get('/admin/').expect(200);
  });

  it('serves every file the page refers to, the chart library included, and nothing else', async () => {
    const html = (await t.http().get('/admin').expect(200)).text;
    const referred = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(referred).toEqual(expect.arrayContaining(['/admin/assets/main.js', '/admin/assets/uplot.css']));
    const modules = fs.readdirSync(PAGE_DIR).filter((f) => f.endsWith('.js'));
    for (const path of [...referred, ...modules.map((m) => `/admin/assets/${m}`), '/admin/assets/uplot.js']) {
      const res = await t.http().get(path).expect(200);
      expect(res.headers).toMatchObject(STRICT);
      expect(res.headers['cache-control']).toBe('no-cache');
    }
    // Every module a module imports is served too (relative imports only: the browser loads nothing else).
    for (const m of modules) {
      const source = fs.readFileSync(`${PAGE_DIR}/${m}`, 'utf8');
      for (const [, imported] of source.matchAll(/from '([^']+)'/g)) {
        expect(imported).toMatch(/^\.\/[a-z-]+\.js$/i);
        await t
          .http()
          .get(`/admin/assets/${imported.slice(2)}`)
          .expect(200);
      }
    }
    expect((await t.http().get('/admin/assets/uplot.js').expect(200)).headers['content-type']).toBe(
      'text/javascript; charset=utf-8',
    );
    for (const path of ['/admin/assets/index.html', '/admin/assets/..%2Fpackage.json', '/admin/assets/main.ts']) {
      const res = await t.http().get(path).expect(404);
      expect(res.body).toEqual({ statusCode: 404, error: 'Not Found', message: [expect.stringContaining('no file')] });
    }
  });

  it('answers a repeated load with 304 (weak ETag)', async () => {
    const first = await t.http().get('/admin/assets/main.js').expect(200);
    await t.http().get('/admin/assets/main.js').set('If-None-Match', first.headers.etag).expect(304);
  });
});
