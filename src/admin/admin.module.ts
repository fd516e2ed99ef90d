import { Module } from '@nestjs/common';
import { AdminStatsService } from './admin-stats.service.js';
import { AdminController } from './admin.controller.js';

/** Admin queries (`admin` scope) over the engine's tables, for every kind. */
@Module({ controllers: [AdminController], providers: [AdminStatsService] })
export class AdminModule {}
