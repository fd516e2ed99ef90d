import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { AdminModule } from './admin/admin.module.js';
import { ApiModule } from './api/api.module.js';
import type { AppConfig } from './config/app-config.js';
import { AppConfigModule } from './config/config.module.js';
import { databaseOptions } from './database/database-options.js';
import { Clock, SystemClock } from './engine/clock/clock.js';
import { EngineModule } from './engine/engine.module.js';
import { ApiKeyGate } from './http/api-key-gate.js';
import { JUMIO_TLS_CA } from './engine/jumio-transport/jumio-agents.js';
import { ApiKeyGuard } from './http/api-key.guard.js';
import { ApiKeys } from './http/api-keys.js';
import { ContractExceptionFilter } from './http/http-exception.filter.js';
import { loggerParams } from './operations/logging.js';
import { OperationsModule } from './operations/operations.module.js';
import { OperatorsPageModule } from './operators-page/operators-page.module.js';
import { PRODUCT_MODULES, ProductsModule } from './products/products.module.js';

export interface AppRuntime {
  /** Tests inject a ManualClock; production reads the system clock. */
  clock?: Clock;
  /** A name for this replica in leases and logs. */
  replicaId?: string;
  /** Where log lines go instead of stdout (tests read what the service logs). */
  logDestination?: DestinationStream;
  /** Certificate authorities to trust for Jumio's hosts instead of Node's (a test rig's own); unset: Node's. */
  jumioTlsCa?: string | Buffer;
}

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, runtime: AppRuntime = {}): DynamicModule {
    if (!config.database.url)
      throw new Error('AppModule needs config.database.url (the embedded database starts before the application)');
    const runtimeProviders: Provider[] = [
      { provide: Clock, useValue: runtime.clock ?? new SystemClock() },
      { provide: JUMIO_TLS_CA, useValue: runtime.jumioTlsCa ?? null },
    ];
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        LoggerModule.forRoot(loggerParams(config, runtime.logDestination)),
        TypeOrmModule.forRoot({
          ...databaseOptions(config.database.url),
          // npm start has waited for the database already (DATABASE_STARTUP_WAIT_SECONDS): a short retry covers a
          // blip after that. Nest holds these lines back until it is up or gives up, so a long retry is silence.
          retryAttempts: 2,
          retryDelay: 1000,
        }),
        ScheduleModule.forRoot(),
        OperationsModule,
        EngineModule.forRoot(runtimeProviders, runtime.replicaId),
        ProductsModule,
        ApiModule.forProducts(PRODUCT_MODULES),
        AdminModule,
        OperatorsPageModule,
      ],
      providers: [
        ApiKeys,
        ApiKeyGate,
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_FILTER, useClass: ContractExceptionFilter },
      ],
    };
  }
}
