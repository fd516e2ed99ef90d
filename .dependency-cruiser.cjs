/**
 * The dependency rules of docs/architecture.md, checked by `npm run deps` (part of `npm run lint` and CI).
 *
 * Rooms of src, and what each may import:
 * - common: nothing of src (the vocabulary: kinds, data centers).
 * - config: common.
 * - engine: common, config; never HTTP (api, http, admin, operations, Fastify), products, simulator.
 *   Inside the engine, folders are layered (ENGINE_LAYERS, lowest first): a folder imports only lower ones.
 * - products: common, config and the engine's public surface (src/engine/product-kit/index.ts); never another
 *   product.
 * - http (the platform: guard, filter, body parsing) imports only common, config and the engine; api (the engine's
 *   routes) also http; admin also api; operations the engine, config, database and http. database: common, config and
 *   the engine's entities; sandbox: common, config and the simulator.
 * - simulator: nothing of the service.
 * - cli (npm run import): common only; it talks to the service over HTTP, like any backend.
 * - operators-page: the page's serving (nothing of src: it only serves files) and, under browser/, the page itself,
 *   which runs in the browser and imports only its own files (and the chart library's types).
 */

/** Engine folders, lowest first. A folder may import its own files and the folders before it. */
const ENGINE_LAYERS = [
  'engine\\.exception\\.ts',
  'clock',
  'domain',
  'crypto',
  'metrics',
  'tracing',
  'sql',
  'accounts',
  'normalization',
  'media',
  'persistence',
  'feed',
  'jumio-transport',
  'product-kit',
  'reconciliation',
  'callbacks',
  'tracking',
  'retention',
  'key-rotation',
];

const engineLayerRules = ENGINE_LAYERS.map((layer, index) => ({
  name: `engine-layer-${layer.replace(/\\/g, '')}`,
  severity: 'error',
  comment: `src/engine/${layer} may import only the engine folders below it in ENGINE_LAYERS`,
  from: { path: `^src/engine/${layer}` },
  to: { path: `^src/engine/(${[...ENGINE_LAYERS.slice(index + 1), 'engine\\.module\\.ts'].join('|')})` },
}));

/** One rule per room of the HTTP side and the edges: a room imports its own files and the rooms listed. */
function roomRules(allowed) {
  return Object.entries(allowed).map(([room, rooms]) => ({
    name: `${room}-imports-only-${rooms.join('-')}`,
    severity: 'error',
    from: { path: `^src/${room}/` },
    to: { path: '^src/', pathNot: `^src/(${[room, ...rooms].join('|')})/` },
  }));
}

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles anywhere in src.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'common-is-a-leaf',
      severity: 'error',
      from: { path: '^src/common/' },
      to: { path: '^src/', pathNot: '^src/common/' },
    },
    {
      name: 'config-imports-only-common',
      severity: 'error',
      from: { path: '^src/config/' },
      to: { path: '^src/', pathNot: '^src/(common|config)/' },
    },
    {
      name: 'engine-not-http-or-products',
      severity: 'error',
      comment: 'The engine knows nothing of HTTP, admin, operations, products, the simulator or the sandbox.',
      from: { path: '^src/engine/' },
      to: { path: '^src/', pathNot: '^src/(common|config|engine)/' },
    },
    {
      name: 'engine-no-http-libraries',
      severity: 'error',
      comment: 'No Fastify, no OpenAPI decorators, no request validation in the engine: those are the HTTP side.',
      from: { path: '^src/engine/' },
      to: {
        path: 'node_modules/(fastify|@fastify|@nestjs/platform-fastify|@nestjs/swagger|class-validator|class-transformer|body-parser)/',
      },
    },
    {
      name: 'engine-uses-only-the-otel-api',
      severity: 'error',
      comment:
        'The engine makes its spans through @opentelemetry/api alone (a no-op without an SDK); the SDK and the instrumentations are started by main.ts.',
      from: { path: '^src/engine/' },
      to: { path: 'node_modules/@(opentelemetry/(?!api/)|fastify/otel)' },
    },
    ...engineLayerRules,
    {
      name: 'products-use-the-engine-public-surface',
      severity: 'error',
      comment: 'A product imports the engine only through src/engine/product-kit/index.ts.',
      from: { path: '^src/products/' },
      to: { path: '^src/engine/', pathNot: '^src/engine/product-kit/index\\.ts$' },
    },
    {
      name: 'products-import-no-other-room',
      severity: 'error',
      from: { path: '^src/products/' },
      to: { path: '^src/', pathNot: '^src/(common|config|engine|products)/' },
    },
    {
      name: 'product-never-imports-another-product',
      severity: 'error',
      from: { path: '^src/products/([^/]+)/' },
      to: { path: '^src/products/', pathNot: '^src/products/$1/' },
    },
    {
      name: 'simulator-imports-nothing-of-the-service',
      severity: 'error',
      from: { path: '^src/simulator/' },
      to: { path: '^src/', pathNot: '^src/simulator/' },
    },
    ...roomRules({
      http: ['common', 'config', 'engine'],
      api: ['common', 'config', 'engine', 'http'],
      admin: ['common', 'config', 'engine', 'http', 'api'],
      operations: ['common', 'config', 'engine', 'database', 'http'],
      database: ['common', 'config', 'engine'],
      sandbox: ['common', 'config', 'simulator'],
      cli: ['common'],
    }),
    {
      name: 'nothing-imports-the-cli',
      severity: 'error',
      comment: 'The command-line tools are clients of the service: they run on their own and nothing runs them.',
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'engine-root-holds-only-its-module-and-exception',
      severity: 'error',
      comment: 'Every other engine file belongs to a folder of ENGINE_LAYERS, so the layering covers it.',
      from: { path: '^src/engine/[^/]+\\.ts$', pathNot: '^src/engine/(engine\\.exception|engine\\.module)\\.ts$' },
      to: {},
    },
    {
      name: 'operators-page-is-its-own-room',
      severity: 'error',
      comment: "The operators' page serves files and talks to the service only through the admin API, over HTTP.",
      from: { path: '^src/operators-page/' },
      to: { path: '^src/', pathNot: '^src/operators-page/' },
    },
    {
      name: 'operators-page-browser-imports-only-itself',
      severity: 'error',
      comment: "The browser loads only what the service serves: the page's own modules and the chart library.",
      from: { path: '^src/operators-page/browser/' },
      to: { pathNot: '^(src/operators-page/browser/|node_modules/uplot/)' },
    },
    {
      name: 'only-the-app-module-imports-the-operators-page',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(app\\.module\\.ts$|operators-page/)' },
      to: { path: '^src/operators-page/' },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|dist-bench)/' },
  },
};
