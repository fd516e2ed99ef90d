import { HttpModule } from '@nestjs/axios';
import { Global, Module, type DynamicModule, type Provider } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { AccountStates } from './accounts/account-states.js';
import { JumioAccounts } from './accounts/jumio-accounts.js';
import { CallbackInbox } from './callbacks/callback-inbox.js';
import { CallbackProcessor } from './callbacks/callback-processor.js';
import { CallbackReceiver } from './callbacks/callback-receiver.js';
import { DataCipher } from './crypto/data-cipher.js';
import { ChangeFeed } from './feed/change-feed.js';
import { JumioTransport } from './jumio-transport/jumio-transport.js';
import { OutboundRateLimiter } from './jumio-transport/outbound-rate-limiter.js';
import { KeyRotation } from './key-rotation/key-rotation.service.js';
import { MediaStore, PostgresMediaStore } from './media/media-store.js';
import { AttemptLog } from './persistence/attempt-log.js';
import { GroupedStepWriter } from './persistence/grouped-step-writer.js';
import { StepSaves } from './persistence/step-saves.js';
import { TrackedTransactionRepository } from './persistence/tracked-transaction.repository.js';
import { TransactionClaims } from './persistence/transaction-claims.js';
import { TransactionPurge } from './persistence/transaction-purge.js';
import { JumioDeletionSaves } from './persistence/jumio-deletion-saves.js';
import { TransactionReports } from './persistence/transaction-reports.js';
import { TransactionRowCodec } from './persistence/transaction-row-codec.js';
import { ProductRegistry } from './product-kit/product-registry.js';
import { ReconciliationScheduler, REPLICA_ID, defaultReplicaId } from './reconciliation/reconciliation.scheduler.js';
import { ReconciliationWorker } from './reconciliation/reconciliation.worker.js';
import { JumioDeletionStep } from './reconciliation/jumio-deletion-step.js';
import { StepOutcomes } from './reconciliation/step-outcomes.js';
import { PersonalDataPurge } from './retention/personal-data-purge.js';
import { RetentionService } from './retention/retention.service.js';
import { TrackingService } from './tracking/tracking.service.js';
import { EngineTracing } from './tracing/engine-tracing.js';

/**
 * The reconciliation engine: tracking, the state machine, scheduling and claiming, the calls to Jumio, the
 * attempt log, the media store, the change feed, personal data retention and re-encryption after a key rotation. Product modules plug into it
 * through ProductRegistry.
 */
@Global()
@Module({})
export class EngineModule {
  static forRoot(runtimeProviders: Provider[], replicaId?: string): DynamicModule {
    return {
      module: EngineModule,
      // An axios instance of the engine's own (register(), not the bare module, whose HttpService wraps axios's
      // global default instance): JumioTransport sets its defaults for Jumio calls only.
      imports: [HttpModule.register({})],
      providers: [
        ...runtimeProviders,
        { provide: REPLICA_ID, useValue: replicaId ?? defaultReplicaId() },
        ProductRegistry,
        EngineTracing,
        JumioAccounts,
        AccountStates,
        OutboundRateLimiter,
        JumioTransport,
        ChangeFeed,
        // Personal data at rest: the keys of DATA_ENCRYPTION_KEYS (the sandbox generates one before start-up).
        {
          provide: DataCipher,
          useFactory: (config: AppConfig) => new DataCipher(config.security.encryptionKeys),
          inject: [APP_CONFIG],
        },
        { provide: MediaStore, useClass: PostgresMediaStore },
        AttemptLog,
        TransactionRowCodec,
        TrackedTransactionRepository,
        TransactionClaims,
        StepSaves,
        TransactionPurge,
        JumioDeletionSaves,
        TransactionReports,
        GroupedStepWriter,
        ReconciliationWorker,
        JumioDeletionStep,
        StepOutcomes,
        ReconciliationScheduler,
        TrackingService,
        CallbackInbox,
        CallbackProcessor,
        CallbackReceiver,
        PersonalDataPurge,
        RetentionService,
        KeyRotation,
      ],
      exports: [
        JumioAccounts,
        AccountStates,
        CallbackReceiver,
        CallbackProcessor,
        CallbackInbox,
        DataCipher,
        ProductRegistry,
        JumioTransport,
        TrackingService,
        ReconciliationScheduler,
        MediaStore,
        AttemptLog,
        TrackedTransactionRepository,
        TransactionReports,
        PersonalDataPurge,
        KeyRotation,
        ...runtimeProviders,
      ],
    };
  }
}
