import { Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiExtraModels, ApiOperation, ApiParam, ApiResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { KINDS } from '../common/kinds.js';
import { ANY_KIND_VIEW } from '../api/tracking/tracking-view.dto.js';
import type { TrackingView } from '../engine/tracking/tracking-view.js';
import { ApiErrorResponses, ApiKeyScope } from '../http/openapi-responses.js';
import {
  AdminTransactionParams,
  AttemptListDto,
  ListTransactionsQueryDto,
  PurgeQueryDto,
  TransactionPageDto,
  type AttemptDto,
} from './admin-transactions.dto.js';
import { AdminTransactionsService } from './admin-transactions.service.js';
import { CallerKeyName } from './caller.decorator.js';

const REFERENCE = '8f0c5e5a-7a1e-4c1b-9a59-3f7a2b1d0c11';

const VIEW_EXAMPLE = {
  kind: 'id-verifications',
  reference: REFERENCE,
  datacenter: 'EU',
  merchantReference: 'order-1234',
  customerReference: 'user-42',
  acquiredAt: '2026-11-26T10:15:00.000Z',
  status: 'DONE',
  tracking: {
    state: 'RETRIEVED',
    callbackDeadline: '2026-11-26T10:20:00.000Z',
    callbackReceivedAt: null,
    attempts: 3,
    lastAttemptAt: '2026-11-26T10:26:40.000Z',
    nextAttemptAt: null,
    lastError: null,
    account: 'eu-main',
    jumioDeletion: null,
  },
  result: { document: { type: 'PASSPORT', status: 'APPROVED_VERIFIED' }, transaction: {}, verification: {} },
  media: [
    { name: 'front', contentType: 'image/jpeg', bytes: 48211, href: `/v1/id-verifications/${REFERENCE}/media/front` },
  ],
  retrievedAt: '2026-11-26T10:26:41.120Z',
  updatedAt: '2026-11-26T10:26:41.120Z',
};

const viewResponse = (status: number, description: string, example: object = VIEW_EXAMPLE) => ({
  status,
  description,
  content: { 'application/json': { schema: ANY_KIND_VIEW, example } },
});

/** The refusals of every route of one transaction. */
const ApiTransactionErrors = () =>
  ApiErrorResponses([400, 'A parameter is invalid (named in message): kind, reference (not a UUID)'], 404);

@ApiTags('admin')
@ApiKeyScope('admin')
@ApiExtraModels(TransactionPageDto, AttemptListDto)
@Controller('v1/admin/transactions')
export class AdminTransactionsController {
  constructor(private readonly service: AdminTransactionsService) {}

  @Get()
  @ApiOperation({
    summary: 'Search transactions of every kind, newest first (keyset pagination)',
    description:
      'Filters combine with AND; createdFrom is inclusive, createdTo exclusive. Pass `next` as `cursor` with the same filters for the ' +
      'next page; pages stay consistent while transactions are tracked meanwhile (nothing that existed is skipped or repeated).',
  })
  @ApiResponse({
    status: 200,
    description: 'A page of views, newest first',
    content: {
      'application/json': {
        schema: { $ref: getSchemaPath(TransactionPageDto) },
        example: { items: [VIEW_EXAMPLE], next: 'djEuM2I1ZjAxYzRkZTk5LjIwMjYtMTEtMjZUMTA6MTU6MDAuMDAwMDAwWi40Mg' },
      },
    },
  })
  @ApiErrorResponses([400, 'Unknown parameter, a bad value (named in message), or a cursor made for other filters'])
  list(@Query() query: ListTransactionsQueryDto): Promise<{ items: TrackingView[]; next: string | null }> {
    return this.service.list(query);
  }

  @Get(':kind/:reference/attempts')
  @ApiOperation({
    summary: 'Every call made to Jumio for the transaction, oldest first (status, details, media list, media)',
  })
  @ApiParam({ name: 'kind', enum: KINDS })
  @ApiParam({ name: 'reference', format: 'uuid' })
  @ApiResponse({
    status: 200,
    description: 'The attempt log, oldest first',
    content: {
      'application/json': {
        schema: { $ref: getSchemaPath(AttemptListDto) },
        example: {
          items: [
            {
              at: '2026-11-26T10:25:40.000Z',
              endpoint: `/api/netverify/v2/scans/${REFERENCE}`,
              callType: 'status',
              httpStatus: 200,
              durationMs: 84,
              outcome: 'PENDING',
              error: null,
              countsAsAttempt: true,
              actor: null,
            },
            {
              at: '2026-11-26T10:26:40.000Z',
              endpoint: `/api/netverify/v2/scans/${REFERENCE}`,
              callType: 'status',
              httpStatus: 200,
              durationMs: 91,
              outcome: 'DONE',
              error: null,
              countsAsAttempt: true,
              actor: 'ops',
            },
            {
              at: '2026-11-26T10:26:40.100Z',
              endpoint: `/api/netverify/v2/scans/${REFERENCE}/data`,
              callType: 'details',
              httpStatus: 200,
              durationMs: 120,
              outcome: 'STORED',
              error: null,
              countsAsAttempt: false,
              actor: 'ops',
            },
          ],
        },
      },
    },
  })
  @ApiTransactionErrors()
  attempts(@Param() params: AdminTransactionParams): Promise<{ items: AttemptDto[] }> {
    return this.service.attempts(params.kind, params.reference);
  }

  @Post(':kind/:reference/reconcile')
  @HttpCode(202)
  @ApiOperation({
    summary: "Schedule an attempt now (logged with the API key name as the calls' actor)",
    description:
      'Still one call at a time per transaction and inside the rate ceiling. While the service waits for the callback ' +
      '(AWAITING_CALLBACK) or after a CALLBACK_RECEIVED report, reconciliation starts now as for a FAILED report (event ' +
      'CALLBACK_MISSED). A Retry-After Jumio gave for the transaction still holds.',
  })
  @ApiParam({ name: 'kind', enum: KINDS })
  @ApiParam({ name: 'reference', format: 'uuid' })
  @ApiResponse(
    viewResponse(202, 'Scheduled; tracking.nextAttemptAt is when the attempt is due', {
      ...VIEW_EXAMPLE,
      status: 'PENDING',
      tracking: {
        ...VIEW_EXAMPLE.tracking,
        state: 'RECONCILING',
        attempts: 2,
        nextAttemptAt: '2026-11-26T10:25:58.000Z',
      },
      result: null,
      media: [],
      retrievedAt: null,
    }),
  )
  @ApiTransactionErrors()
  @ApiErrorResponses([409, 'Final (RETRIEVED, NOT_FOUND, EXHAUSTED, PURGED): nothing to re-check'])
  reconcile(@Param() params: AdminTransactionParams, @CallerKeyName() keyName: string): Promise<TrackingView> {
    return this.service.reconcile(params.kind, params.reference, keyName);
  }

  @Delete(':kind/:reference/personal-data')
  @ApiOperation({
    summary:
      'Delete stored personal data (result, media, Jumio payloads); keep the tracking record and the attempt log',
    description:
      'State becomes PURGED (event PERSONAL_DATA_PURGED), reconciliation stops, every medium then answers 404. Again on a purged transaction: 200, no second event. ' +
      'With atJumio=true the transaction is deleted at Jumio too, whatever its state (retried until done; tracking.jumioDeletion shows the progress, event JUMIO_DELETED); again on one so erased: 200, nothing more is sent.',
  })
  @ApiParam({ name: 'kind', enum: KINDS })
  @ApiParam({ name: 'reference', format: 'uuid' })
  @ApiResponse(
    viewResponse(200, 'Purged', {
      ...VIEW_EXAMPLE,
      tracking: { ...VIEW_EXAMPLE.tracking, state: 'PURGED' },
      result: null,
      media: [],
    }),
  )
  @ApiTransactionErrors()
  purge(@Param() params: AdminTransactionParams, @Query() query: PurgeQueryDto): Promise<TrackingView> {
    return this.service.purge(params.kind, params.reference, query.atJumio === 'true');
  }

  @Post(':kind/:reference/delete-at-jumio')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Delete the transaction at Jumio without purging the local copy',
    description:
      'Store-first: sent once everything the service keeps is stored (at once for a RETRIEVED transaction; for one not ' +
      'yet RETRIEVED, when it is). tracking.jumioDeletion shows the progress; event JUMIO_DELETED when Jumio answered 200 or 404.',
  })
  @ApiParam({ name: 'kind', enum: KINDS })
  @ApiParam({ name: 'reference', format: 'uuid' })
  @ApiResponse(
    viewResponse(202, 'Asked; tracking.jumioDeletion is set once the delete is due', {
      ...VIEW_EXAMPLE,
      tracking: {
        ...VIEW_EXAMPLE.tracking,
        jumioDeletion: { requestedAt: '2026-11-26T10:30:00.000Z', deletedAt: null, lastError: null },
      },
    }),
  )
  @ApiTransactionErrors()
  @ApiErrorResponses([409, 'Already deleted at Jumio, or never found there (NOT_FOUND)'])
  deleteAtJumio(@Param() params: AdminTransactionParams): Promise<TrackingView> {
    return this.service.deleteAtJumio(params.kind, params.reference);
  }
}
