import { ApiProperty } from '@nestjs/swagger';
import { KINDS } from '../../common/kinds.js';
import { EVENT_TYPES } from '../../engine/domain/tracking-state-machine.js';
import type { FeedEvent, FeedPage } from '../../engine/feed/change-feed.js';

/** OpenAPI model of one change of the feed (FeedEvent is the type the code returns). */
export class FeedEventDto implements FeedEvent {
  @ApiProperty({ example: '42', description: 'Opaque' }) id: string;
  @ApiProperty({ enum: KINDS }) kind: FeedEvent['kind'];
  @ApiProperty({ format: 'uuid' }) reference: string;
  @ApiProperty({ enum: EVENT_TYPES }) type: FeedEvent['type'];
  @ApiProperty({ format: 'date-time' }) at: string;
}

/** OpenAPI model of a page of the change feed. */
export class FeedPageDto implements FeedPage {
  @ApiProperty({ type: [FeedEventDto], description: 'Oldest first' }) events: FeedEventDto[];
  @ApiProperty({
    example: 'MTIzNC40Mg',
    description: 'The cursor to pass as after on the next call; the same one when nothing new has happened',
  })
  next: string;
}
