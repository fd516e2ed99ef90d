import fs from 'node:fs';
import path from 'node:path';

export interface PageAsset {
  body: Buffer;
  contentType: string;
}

/**
 * The built page (`npm run build` compiles src/operators-page/browser into dist/operators-page and copies its HTML
 * and CSS there); this file compiles to dist/src/operators-page. Under jest the TypeScript sources run from src,
 * and the page is the one `npm test` built first.
 */
export const PAGE_DIR = path.join(
  __dirname,
  '..',
  '..',
  ...(__filename.endsWith('.ts') ? ['dist', 'operators-page'] : ['operators-page']),
);

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** The chart library's files, served from its package under names the page's modules import. */
const VENDOR_FILES: Record<string, string> = {
  'uplot.js': 'uplot/dist/uPlot.esm.js',
  'uplot.css': 'uplot/dist/uPlot.min.css',
};

/**
 * Every file the page may be served, read once: the names are a closed list (what the build wrote, and the chart
 * library's two files), so no request path ever reaches the file system.
 */
export class PageAssets {
  private constructor(
    readonly page: PageAsset | null,
    private readonly files: ReadonlyMap<string, PageAsset>,
  ) {}

  static load(dir: string = PAGE_DIR): PageAssets {
    if (!fs.existsSync(path.join(dir, 'index.html'))) return new PageAssets(null, new Map());
    const files = new Map<string, PageAsset>();
    for (const name of fs.readdirSync(dir)) {
      const contentType = CONTENT_TYPES[path.extname(name)];
      if (contentType && name !== 'index.html')
        files.set(name, { body: fs.readFileSync(path.join(dir, name)), contentType });
    }
    for (const [name, file] of Object.entries(VENDOR_FILES)) {
      files.set(name, { body: fs.readFileSync(require.resolve(file)), contentType: CONTENT_TYPES[path.extname(name)] });
    }
    return new PageAssets(
      { body: fs.readFileSync(path.join(dir, 'index.html')), contentType: CONTENT_TYPES['.html'] },
      files,
    );
  }

  asset(name: string): PageAsset | undefined {
    return this.files.get(name);
  }
}
