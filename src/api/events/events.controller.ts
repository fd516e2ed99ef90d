import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses, ApiKeyScope } from '../../http/openapi-responses.js';
import { EventsQueryDto } from './events.dto.js';
import { TrackingService } from '../../engine/tracking/tracking.service.js';
import type { FeedPage } from '../../engine/feed/change-feed.js';
import { FeedPageDto } from './feed-page.dto.js';

@ApiTags('events')
@ApiKeyScope('transactions')
@Controller('v1/events')
export class EventsController {
  constructor(private readonly tracking: TrackingService) {}

  @Get()
  @ApiOperation({
    summary: 'The change feed, oldest first; keep `next` and call again to see every change exactly once',
  })
  @ApiOkResponse({
    type: FeedPageDto,
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
  })
  @ApiErrorResponses([400, 'after is not a cursor returned as next, or limit is not 1 to 500'])
  read(@Query() query: EventsQueryDto): Promise<FeedPage> {
    return this.tracking.events(query.after, query.limit);
  }
}
