// The engine's public surface for product modules: everything a product is built from. A product imports the
// engine only through this file (a dependency rule, .dependency-cruiser.cjs).
export * from '../domain/product-contracts.js';
export { JumioTransport } from '../jumio-transport/jumio-transport.js';
export * from '../normalization/media-refs.js';
export * from '../normalization/payload-readers.js';
export * from '../normalization/timestamps.js';
export * from './callback-reader.js';
export type * from './product-definition.js';
export * from './product-module.js';
export * from './retrieval-gateway.js';
