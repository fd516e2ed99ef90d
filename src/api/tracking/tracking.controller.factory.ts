import { Body, Controller, Get, HttpCode, Param, Post, Res, StreamableFile, type Type } from '@nestjs/common';
import { ApiBody, ApiExtraModels, ApiOperation, ApiParam, ApiResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyReply } from 'fastify';
import { largerBody } from '../../http/body-parsing.js';
import { ApiErrorResponses, ApiJsonBodyErrors, ApiKeyScope } from '../../http/openapi-responses.js';
import { aProduct, pascalKind, productName } from '../product-names.js';
import {
  MediumParams,
  ParseReferencePipe,
  ReferenceParams,
  ReportCallbackDto,
  TrackTransactionDto,
} from './tracking.dto.js';
import { kindViewModel } from './tracking-view.dto.js';
import {
  batchAnswerSchema,
  BatchTracking,
  MAX_BATCH_BODY_BYTES,
  MAX_BATCH_ITEMS,
  TrackBatchDto,
  type BatchItemAnswer,
} from './track-batch.js';
import type { ProductRoutes } from '../../engine/product-kit/product-module.js';
import { TrackingService } from '../../engine/tracking/tracking.service.js';
import type { TrackingView } from '../../engine/tracking/tracking-view.js';

/** The media types a stored medium is served with. */
const MEDIA_TYPES = ['image/jpeg', 'image/png', 'application/pdf', 'application/octet-stream'];

/**
 * The routes every product offers, bound to one kind. ApiModule builds one per product module from the
 * routes description it carries; the routes stay one line each and the rules live in TrackingService.
 */
export function createTrackingController({ kind, resultModel, mediaNames }: ProductRoutes): Type<unknown> {
  const viewModel = kindViewModel(kind, resultModel);
  const viewResponse = (status: number, description: string) =>
    ApiResponse({
      status,
      description,
      content: { 'application/json': { schema: { $ref: getSchemaPath(viewModel) } } },
    });
  const product = productName(kind);

  @ApiTags(kind)
  @ApiKeyScope('transactions')
  @ApiExtraModels(viewModel)
  @Controller(`v1/${kind}`)
  class TrackingController {
    constructor(
      readonly tracking: TrackingService,
      readonly batch: BatchTracking,
    ) {}

    @Post()
    @ApiOperation({ summary: `Track ${aProduct(kind)} transaction` })
    @viewResponse(201, 'Tracked')
    @viewResponse(200, 'Already tracked with the same fields (a retry)')
    @ApiJsonBodyErrors('A body field is invalid or unknown (named in message)')
    @ApiErrorResponses([409, 'Already tracked with different fields (named in message)'])
    async track(
      @Body() body: TrackTransactionDto,
      @Res({ passthrough: true }) res: FastifyReply,
    ): Promise<TrackingView> {
      const { created, view } = await this.tracking.track(kind, body);
      res.code(created ? 201 : 200);
      return view;
    }

    @Post('batch')
    @HttpCode(200)
    @RouteConfig(largerBody(MAX_BATCH_BODY_BYTES))
    @ApiOperation({
      summary: `Track 1 to ${MAX_BATCH_ITEMS} ${product} transactions at once, each as POST /v1/${kind} would alone`,
    })
    @ApiResponse({
      status: 200,
      description: 'One answer per item, in input order (201, 200, or the 400 or 409 the single route would give)',
      content: { 'application/json': { schema: batchAnswerSchema(viewModel) } },
    })
    @ApiErrorResponses(
      [400, `items is missing, not an array, empty or over ${MAX_BATCH_ITEMS} items, or the body is not JSON`],
      [
        413,
        `The request body is over ${MAX_BATCH_BODY_BYTES / 1024 / 1024} MiB`,
        `request body exceeds ${MAX_BATCH_BODY_BYTES} bytes (${MAX_BATCH_BODY_BYTES / 1024} KiB)`,
      ],
      415,
    )
    @ApiBody({ type: TrackBatchDto })
    // Validated by BatchTracking (the global pipe would strip __proto__ keys from the items unseen).
    trackMany(@Body() body: unknown): Promise<{ items: BatchItemAnswer[] }> {
      return this.batch.track(kind, body);
    }

    @Post(':reference/callback')
    @HttpCode(200)
    @ApiOperation({ summary: `Report whether Jumio's callback for ${aProduct(kind)} transaction arrived` })
    @ApiParam({ name: 'reference', format: 'uuid' })
    @viewResponse(200, 'Reported (again: harmless)')
    @ApiJsonBodyErrors('reference is not a UUID, or a body field is invalid or unknown (named in message)')
    @ApiErrorResponses(404)
    reportCallback(@Param() params: ReferenceParams, @Body() body: ReportCallbackDto): Promise<TrackingView> {
      return this.tracking.reportCallback(kind, params.reference, body);
    }

    @Get(':reference')
    @ApiOperation({ summary: `Read the view of ${aProduct(kind)} transaction` })
    @ApiParam({ name: 'reference', format: 'uuid' })
    @viewResponse(200, 'The view')
    @ApiErrorResponses([400, 'reference is not a UUID'], 404)
    view(@Param('reference', ParseReferencePipe) reference: string): Promise<TrackingView> {
      return this.tracking.view(kind, reference);
    }

    @Get(':reference/media/:name')
    @ApiOperation({
      summary: `Read a stored medium of ${aProduct(kind)} transaction (${mediaNames}); never calls Jumio`,
    })
    @ApiParam({ name: 'reference', format: 'uuid' })
    @ApiParam({ name: 'name', example: 'front' })
    @ApiResponse({
      status: 200,
      description: `The stored bytes, with their Content-Type (the ${product} media listed in the view)`,
      content: Object.fromEntries(MEDIA_TYPES.map((type) => [type, { schema: { type: 'string', format: 'binary' } }])),
    })
    @ApiErrorResponses(
      [400, 'reference is not a UUID, or name is over 64 characters'],
      [404, 'Not tracked, or no such medium'],
    )
    async medium(
      @Param() params: MediumParams,
      @Res({ passthrough: true }) res: FastifyReply,
    ): Promise<StreamableFile> {
      const medium = await this.tracking.medium(kind, params.reference, params.name);
      res.header('Cache-Control', 'private, no-store');
      return new StreamableFile(medium.bytes, { type: medium.contentType, length: medium.bytes.length });
    }
  }
  Object.defineProperty(TrackingController, 'name', { value: `${pascalKind(kind)}Controller` });
  return TrackingController;
}
