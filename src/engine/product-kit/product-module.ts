import { Inject, Module, type DynamicModule, type OnModuleInit, type Type } from '@nestjs/common';
import { createCallbackController } from '../callbacks/callback-controller.factory.js';
import type { ProductCallbackReader } from '../callbacks/callback-reader.js';
import type { Kind } from '../../common/kinds.js';
import { createTrackingController } from '../tracking/tracking-controller.factory.js';
import type { ProductGateway, ProductNormalizer } from './product-definition.js';
import { ProductRegistry } from './product-registry.js';

export interface ProductModuleDefinition {
  kind: Kind;
  gateway: Type<ProductGateway>;
  normalizer: ProductNormalizer;
  callbacks: ProductCallbackReader;
}

export interface ProductApiDocumentation {
  /** OpenAPI model of the product's normalized `result`. */
  resultModel: Type<unknown>;
  /** For the OpenAPI description of the media route. */
  mediaNames: string;
}

/**
 * Builds a product's Nest module from what the product owns (gateway, normalizer, result model): the module
 * registers the product with the engine and serves its routes. Adding a product is one call of this.
 */
export function productModule(definition: ProductModuleDefinition, docs: ProductApiDocumentation): DynamicModule {
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
    controllers: [
      createTrackingController({ kind: definition.kind, ...docs }),
      createCallbackController(definition.kind),
    ],
    providers: [definition.gateway, { provide: GATEWAY, useExisting: definition.gateway }],
  };
}
