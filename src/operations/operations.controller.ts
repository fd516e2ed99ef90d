import { Controller, Get, Header, HttpCode } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { MetricsService } from './metrics.service.js';
import { MigrationsHealthIndicator } from './migrations.health.js';

/** Operations endpoints: outside /v1, no API key (contract, "Operations"). */
@ApiTags('operations')
@Controller()
export class OperationsController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly migrations: MigrationsHealthIndicator,
    private readonly metrics: MetricsService,
  ) {}

  @Get('health/live')
  @HttpCode(200)
  @ApiOkResponse({ description: 'The process is up (it stays up while the database is away).' })
  live() {
    return { status: 'ok' };
  }

  @Get('health/ready')
  @HealthCheck()
  @ApiOkResponse({ description: 'The database is reachable and every migration is applied.' })
  @ApiServiceUnavailableResponse({ description: 'Not ready: the database is unreachable or migrations are pending.' })
  ready() {
    return this.health.check([
      () => this.database.pingCheck('database', { timeout: 2000 }),
      () => this.migrations.check('migrations'),
    ]);
  }

  @Get('metrics')
  @ApiExcludeEndpoint()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  metricsText(): Promise<string> {
    return this.metrics.render();
  }
}
