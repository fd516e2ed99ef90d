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
 * - http (the platform: guard, filter, body parsing), api (the engine's routes), admin, operations: the HTTP side,
 *   which imports the engine; api and admin never import each other's controllers the other way round.
 * - simulator: nothing of the service.
 */

/** Engine folders, lowest first. A folder may import its own files and the folders before it. */
const ENGINE_LAYERS = [
  'engine\\.exception\\.ts',
  'clock',
  'domain',
  'crypto',
  'metrics',
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
];

const engineLayerRules = ENGINE_LAYERS.map((layer, index) => ({
  name: `engine-layer-${layer.replace(/\\/g, '')}`,
  severity: 'error',
  comment: `src/engine/${layer} may import only the engine folders below it in ENGINE_LAYERS`,
  from: { path: `^src/engine/${layer}` },
  to: { path: `^src/engine/(${[...ENGINE_LAYERS.slice(index + 1), 'engine\\.module\\.ts'].join('|')})` },
}));

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
    {
      name: 'http-platform-below-the-routes',
      severity: 'error',
      comment: 'src/http is the platform the route rooms (api, admin, operations) build on; it imports none of them.',
      from: { path: '^src/http/' },
      to: { path: '^src/(api|admin|operations|products|simulator|sandbox)/' },
    },
    {
      name: 'api-not-admin',
      severity: 'error',
      from: { path: '^src/api/' },
      to: { path: '^src/(admin|products|simulator|sandbox)/' },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|dist-bench)/' },
  },
};
