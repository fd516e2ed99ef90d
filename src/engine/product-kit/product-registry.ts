import { Injectable } from '@nestjs/common';
import type { Kind } from '../../common/kinds.js';
import type { ProductDefinition } from './product-definition.js';

/** The engine's look-up of product definitions by kind; product modules register theirs at start-up. */
@Injectable()
export class ProductRegistry {
  private readonly byKind = new Map<Kind, ProductDefinition>();

  register(definition: ProductDefinition): void {
    if (this.byKind.has(definition.kind)) throw new Error(`product ${definition.kind} is registered twice`);
    this.byKind.set(definition.kind, definition);
  }

  get(kind: Kind): ProductDefinition {
    const definition = this.byKind.get(kind);
    if (!definition) throw new Error(`no product module is registered for ${kind}`);
    return definition;
  }

  kinds(): Kind[] {
    return [...this.byKind.keys()];
  }
}
