import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeyScope } from '../http/openapi-responses.js';
import { AdminStatsDto } from './admin-stats.dto.js';
import { AdminStatsService, type AdminStats } from './admin-stats.service.js';

@ApiTags('admin')
@ApiKeyScope('admin')
@Controller('v1/admin')
export class AdminController {
  constructor(private readonly statsService: AdminStatsService) {}

  @Get('stats')
  @ApiOperation({
    summary:
      "Counts by kind and state, work due now, the most overdue step, the last hour of Jumio calls, Jumio's callbacks that were not applied, and each Jumio account's state",
  })
  @ApiOkResponse({
    type: AdminStatsDto,
    description: 'The backlog at a glance',
    example: {
      states: {
        'id-verifications': { RECONCILING: 12, RETRIEVED: 3400 },
        'document-verifications': {},
        authentications: { AWAITING_CALLBACK: 3 },
      },
      dueNow: 4,
      oldestOverdue: {
        kind: 'id-verifications',
        reference: '8f0c5e5a-7a1e-4c1b-9a59-3f7a2b1d0c11',
        dueAt: '2026-11-26T10:25:00.000Z',
        lateSeconds: 31,
      },
      jumioCalls: [{ kind: 'id-verifications', endpoint: 'status', httpStatus: 200, count: 812 }],
      callbacks: { malformed: 1, failing: 0, oldestFailingReceivedAt: null },
      accounts: [
        { name: 'us-main', datacenter: 'US', ceilingPerSecond: 12, state: 'OK', since: null, callsLastMinute: 640 },
        {
          name: 'eu-main',
          datacenter: 'EU',
          ceilingPerSecond: 12,
          state: 'CREDENTIALS_REJECTED',
          since: '2026-11-26T10:20:00.000Z',
          callsLastMinute: 1,
        },
      ],
    },
  })
  stats(): Promise<AdminStats> {
    return this.statsService.stats();
  }
}
