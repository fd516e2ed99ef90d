import { Module, type DynamicModule } from '@nestjs/common';
import type { ProductModule } from '../engine/product-kit/product-module.js';
import { CallbackDeliveryReader } from './callbacks/callback-delivery.reader.js';
import { createCallbackController } from './callbacks/callback.controller.factory.js';
import { CallbackSourceGate, CallbackSourcePolicy } from './callbacks/callback-source.policy.js';
import { EventsController } from './events/events.controller.js';
import { BatchTracking } from './tracking/track-batch.js';
import { createTrackingController } from './tracking/tracking.controller.factory.js';

/**
 * The HTTP routes of the engine: for every product, its /v1/{kind} routes and its Jumio callback route;
 * the change feed; and the callback sender gate (a Fastify hook, mounted by createApplication).
 */
@Module({})
export class ApiModule {
  static forProducts(products: readonly ProductModule[]): DynamicModule {
    return {
      module: ApiModule,
      controllers: [
        ...products.flatMap(({ routes }) => [createTrackingController(routes), createCallbackController(routes.kind)]),
        EventsController,
      ],
      providers: [CallbackSourcePolicy, CallbackSourceGate, CallbackDeliveryReader, BatchTracking],
      exports: [CallbackSourceGate],
    };
  }
}
