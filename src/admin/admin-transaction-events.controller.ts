import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiProperty, ApiTags } from '@nestjs/swagger';
import { KINDS } from '../common/kinds.js';
import type { FeedEvent } from '../engine/feed/change-feed.js';
import { TrackingService } from '../engine/tracking/tracking.service.js';
import { ApiErrorResponses, ApiKeyScope } from '../http/openapi-responses.js';
import { AdminTransactionParams } from './admin-transactions.dto.js';

class TransactionEventDto {
  @ApiProperty({ description: 'The event id in the change feed (opaque)' }) id: string;
  @ApiProperty({ enum: KINDS }) kind: string;
  @ApiProperty({ format: 'uuid' }) reference: string;
  @ApiProperty({ example: 'RETRIEVED' }) type: string;
  @ApiProperty({ format: 'date-time' }) at: string;
}

class TransactionEventListDto {
  @ApiProperty({ type: [TransactionEventDto] }) items: TransactionEventDto[];
}

/** One transaction's change events, which the operators' page merges with its attempt log into a timeline. */
@ApiTags('admin')
@ApiKeyScope('admin')
@Controller('v1/admin/transactions')
export class AdminTransactionEventsController {
  constructor(private readonly tracking: TrackingService) {}

  @Get(':kind/:reference/events')
  @ApiOperation({ summary: "The transaction's events (as in GET /v1/events), oldest first" })
  @ApiParam({ name: 'kind', enum: KINDS })
  @ApiParam({ name: 'reference', format: 'uuid' })
  @ApiOkResponse({ type: TransactionEventListDto })
  @ApiErrorResponses([400, 'A parameter is invalid (named in message): kind, reference (not a UUID)'], 404)
  async events(@Param() params: AdminTransactionParams): Promise<{ items: FeedEvent[] }> {
    return { items: await this.tracking.transactionEvents(params.kind, params.reference) };
  }
}
