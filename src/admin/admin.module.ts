import { Module } from '@nestjs/common';
import { AdminStatsService } from './admin-stats.service.js';
import { AdminTransactionEventsController } from './admin-transaction-events.controller.js';
import { AdminTransactionsController } from './admin-transactions.controller.js';
import { AdminTransactionsService } from './admin-transactions.service.js';
import { AdminController } from './admin.controller.js';

/** Admin queries (`admin` scope) over the engine's tables, for every kind. */
@Module({
  controllers: [AdminController, AdminTransactionsController, AdminTransactionEventsController],
  providers: [AdminStatsService, AdminTransactionsService],
})
export class AdminModule {}
