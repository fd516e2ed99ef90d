import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../../http/scopes.js';
import { EventsQueryDto } from './events.dto.js';
import { TrackingService } from '../../engine/tracking/tracking.service.js';
import type { FeedPage } from '../../engine/feed/change-feed.js';

@ApiTags('events')
@ApiBearerAuth()
@RequireScope('transactions')
@Controller('v1/events')
export class EventsController {
  constructor(private readonly tracking: TrackingService) {}

  @Get()
  @ApiOperation({
    summary: 'The change feed, oldest first; keep `next` and call again to see every change exactly once',
  })
  @ApiOkResponse({
    schema: {
      example: {
        events: [
          {
            id: '42',
            kind: 'id-verifications',
            reference: '8f0c5e5a-7a1e-4c1b-9a59-3f7a2b1d0c11',
            type: 'RETRIEVED',
            at: '2026-11-26T10:26:41.120Z',
          },
        ],
        next: 'MTIzNC40Mg',
      },
    },
  })
  read(@Query() query: EventsQueryDto): Promise<FeedPage> {
    return this.tracking.events(query.after, query.limit);
  }
}
