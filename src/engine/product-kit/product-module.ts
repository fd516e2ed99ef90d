import { Inject, Module, type DynamicModule, type OnModuleInit, type Type } from '@nestjs/common';
import type { Kind } from '../../common/kinds.js';
import type { ProductCallbackReader } from './callback-reader.js';
import type { ProductGateway, ProductNormalizer } from './product-definition.js';
import { ProductRegistry } from './product-registry.js';

export interface ProductModuleDefinition {
  kind: Kind;
  gateway: Type<ProductGateway>;
  normalizer: ProductNormalizer;
  callbacks: ProductCallbackReader;
}

/** What the HTTP layer needs to serve and document a product's routes; the engine only carries it. */
export interface ProductApiDocumentation {
  /** OpenAPI model of the product's normalized `result`. */
  resultModel: Type<unknown>;
  /** For the OpenAPI description of the media route. */
  mediaNames: string;
}

export type ProductRoutes = ProductApiDocumentation & { kind: Kind };

/** A product's Nest module, carrying the description its HTTP routes are built from (see src/api). */
export type ProductModule = DynamicModule & { readonly routes: ProductRoutes };

/**
 * Builds a product's Nest module from what the product owns (gateway, normalizer, callback reader, result model):
 * the module registers the product with the engine. Adding a product is one call of this.
 */
export function productModule(definition: ProductModuleDefinition, docs: ProductApiDocumentation): ProductModule {
  const GATEWAY = Symbol(`${definition.kind} gateway`);

  @Module({})
  class ProductRegistration implements OnModuleInit {
    constructor(
      private readonly registry: ProductRegistry,
      @Inject(GATEWAY) private readonly gateway: ProductGateway,
    ) {}

    onModuleInit(): void {
      this.registry.register({
        kind: definition.kind,
        gateway: this.gateway,
        normalizer: definition.normalizer,
        callbacks: definition.callbacks,
      });
    }
  }
  Object.defineProperty(ProductRegistration, 'name', { value: `${definition.kind}-module` });

  return {
    module: ProductRegistration,
    providers: [definition.gateway, { provide: GATEWAY, useExisting: definition.gateway }],
    routes: { kind: definition.kind, ...docs },
  };
}
