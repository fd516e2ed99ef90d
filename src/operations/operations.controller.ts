import { Controller, Get, Header, HttpCode } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { ApiErrorResponses } from '../http/openapi-responses.js';
import { MetricsService } from './metrics.service.js';
import { MigrationsHealthIndicator } from './migrations.health.js';

const METRICS_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export class LivenessDto {
  @ApiProperty({ enum: ['ok'] }) status: 'ok';
}

export class HealthIndicatorDto {
  @ApiProperty({ enum: ['up', 'down'] }) status: string;
  @ApiPropertyOptional({ example: 12, description: 'How long the check took, in milliseconds' }) responseTime?: number;
  @ApiPropertyOptional({ example: 'migrations are pending' }) message?: string;
}

/** Terminus's answer when every check is up (`database`, `migrations`). */
const indicators = (description: string) => ({
  type: 'object' as const,
  additionalProperties: { $ref: getSchemaPath(HealthIndicatorDto) },
  description,
  example: { database: { status: 'up', responseTime: 12 }, migrations: { status: 'up' } },
});

@ApiExtraModels(HealthIndicatorDto)
export class ReadinessDto {
  @ApiProperty({ enum: ['ok'] }) status: 'ok';
  @ApiProperty(indicators('The checks that are up')) info: Record<string, HealthIndicatorDto>;
  @ApiProperty({ ...indicators('The checks that are down: none'), example: {} }) error: Record<
    string,
    HealthIndicatorDto
  >;
  @ApiProperty(indicators('Every check')) details: Record<string, HealthIndicatorDto>;
}

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
  @ApiOkResponse({ type: LivenessDto, description: 'The process is up (it stays up while the database is away).' })
  live() {
    return { status: 'ok' };
  }

  @Get('health/ready')
  // The 503 is the contract's error body (ContractExceptionFilter), not the check result Terminus would document.
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiOkResponse({ type: ReadinessDto, description: 'The database is reachable and every migration is applied.' })
  @ApiErrorResponses([503, 'Not ready: the database is unreachable or migrations are pending.'])
  ready() {
    return this.health.check([
      () => this.database.pingCheck('database', { timeout: 2000 }),
      () => this.migrations.check('migrations'),
    ]);
  }

  @Get('metrics')
  @ApiOperation({ summary: 'Prometheus metrics (text exposition format 0.0.4)' })
  @ApiOkResponse({ description: 'The metrics', content: { [METRICS_TYPE]: { schema: { type: 'string' } } } })
  @Header('Content-Type', METRICS_TYPE)
  metricsText(): Promise<string> {
    return this.metrics.render();
  }
}
