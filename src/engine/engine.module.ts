import { HttpModule } from '@nestjs/axios';
import { Global, Module, type DynamicModule, type Provider } from '@nestjs/common';
import { EventsController } from './feed/events.controller.js';
import { ChangeFeed } from './feed/change-feed.js';
import { JumioTransport } from './jumio-transport/jumio-transport.js';
import { OutboundRateLimiter } from './jumio-transport/outbound-rate-limiter.js';
import { MediaStore, PostgresMediaStore } from './media/media-store.js';
import { AttemptLog } from './persistence/attempt-log.js';
import { TrackedTransactionRepository } from './persistence/tracked-transaction.repository.js';
import { ProductRegistry } from './products/product-registry.js';
import { ReconciliationScheduler, REPLICA_ID, defaultReplicaId } from './reconciliation/reconciliation.scheduler.js';
import { ReconciliationWorker } from './reconciliation/reconciliation.worker.js';
import { TrackingService } from './tracking/tracking.service.js';

/**
 * The reconciliation engine: tracking, the state machine, scheduling and claiming, the calls to Jumio, the
 * attempt log, the media store and the change feed. Product modules plug into it through ProductRegistry.
 */
@Global()
@Module({})
export class EngineModule {
  static forRoot(runtimeProviders: Provider[], replicaId?: string): DynamicModule {
    return {
      module: EngineModule,
      imports: [HttpModule],
      controllers: [EventsController],
      providers: [
        ...runtimeProviders,
        { provide: REPLICA_ID, useValue: replicaId ?? defaultReplicaId() },
        ProductRegistry,
        OutboundRateLimiter,
        JumioTransport,
        ChangeFeed,
        { provide: MediaStore, useClass: PostgresMediaStore },
        AttemptLog,
        TrackedTransactionRepository,
        ReconciliationWorker,
        ReconciliationScheduler,
        TrackingService,
      ],
      exports: [ProductRegistry, JumioTransport, TrackingService, ReconciliationScheduler, MediaStore, AttemptLog, TrackedTransactionRepository, ...runtimeProviders],
    };
  }
}
