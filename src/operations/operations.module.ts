import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { EngineMetrics } from '../engine/metrics/engine-metrics.js';
import { MetricsService } from './metrics.service.js';
import { MigrationsHealthIndicator } from './migrations.health.js';
import { OperationsController } from './operations.controller.js';

@Global()
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [OperationsController],
  providers: [MetricsService, { provide: EngineMetrics, useExisting: MetricsService }, MigrationsHealthIndicator],
  exports: [MetricsService, EngineMetrics],
})
export class OperationsModule {}
