import { Body, Controller, Get, HttpCode, Param, Post, Res, StreamableFile, type Type } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiExtraModels,
  ApiOperation,
  ApiParam,
  ApiResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RequireScope } from '../../http/scopes.js';
import {
  MediumParams,
  ParseReferencePipe,
  ReferenceParams,
  ReportCallbackDto,
  TrackTransactionDto,
} from './tracking.dto.js';
import { TrackingViewDto } from './tracking-view.dto.js';
import type { ProductRoutes } from '../../engine/product-kit/product-module.js';
import { TrackingService } from '../../engine/tracking/tracking.service.js';
import type { TrackingView } from '../../engine/tracking/tracking-view.js';

/**
 * The four routes every product offers, bound to one kind. ApiModule builds one per product module from the
 * routes description it carries; the routes stay one line each and the rules live in TrackingService.
 */
export function createTrackingController({ kind, resultModel, mediaNames }: ProductRoutes): Type<unknown> {
  const viewSchema = {
    allOf: [
      { $ref: getSchemaPath(TrackingViewDto) },
      { properties: { result: { $ref: getSchemaPath(resultModel), nullable: true } } },
    ],
  };

  @ApiTags(kind)
  @ApiBearerAuth()
  @ApiExtraModels(TrackingViewDto, resultModel)
  @RequireScope('transactions')
  @Controller(`v1/${kind}`)
  class TrackingController {
    constructor(readonly tracking: TrackingService) {}

    @Post()
    @ApiOperation({ summary: `Track a ${kind} transaction` })
    @ApiResponse({ status: 201, description: 'Tracked', schema: viewSchema })
    @ApiResponse({ status: 200, description: 'Already tracked with the same fields (a retry)', schema: viewSchema })
    @ApiResponse({ status: 409, description: 'Already tracked with different fields (named in message)' })
    async track(
      @Body() body: TrackTransactionDto,
      @Res({ passthrough: true }) res: FastifyReply,
    ): Promise<TrackingView> {
      const { created, view } = await this.tracking.track(kind, body);
      res.code(created ? 201 : 200);
      return view;
    }

    @Post(':reference/callback')
    @HttpCode(200)
    @ApiOperation({ summary: "Report the fate of Jumio's callback" })
    @ApiParam({ name: 'reference', format: 'uuid' })
    @ApiResponse({ status: 200, schema: viewSchema })
    @ApiResponse({ status: 404, description: 'Not tracked' })
    reportCallback(@Param() params: ReferenceParams, @Body() body: ReportCallbackDto): Promise<TrackingView> {
      return this.tracking.reportCallback(kind, params.reference, body);
    }

    @Get(':reference')
    @ApiOperation({ summary: 'Read the normalized view' })
    @ApiParam({ name: 'reference', format: 'uuid' })
    @ApiResponse({ status: 200, schema: viewSchema })
    @ApiResponse({ status: 404, description: 'Not tracked' })
    view(@Param('reference', ParseReferencePipe) reference: string): Promise<TrackingView> {
      return this.tracking.view(kind, reference);
    }

    @Get(':reference/media/:name')
    @ApiOperation({ summary: `Read a stored medium (${mediaNames}); never calls Jumio` })
    @ApiParam({ name: 'reference', format: 'uuid' })
    @ApiParam({ name: 'name', example: 'front' })
    @ApiResponse({ status: 200, description: 'The bytes, with their Content-Type' })
    @ApiResponse({ status: 404, description: 'Not tracked, or no such medium' })
    async medium(
      @Param() params: MediumParams,
      @Res({ passthrough: true }) res: FastifyReply,
    ): Promise<StreamableFile> {
      const medium = await this.tracking.medium(kind, params.reference, params.name);
      res.header('Cache-Control', 'private, no-store');
      return new StreamableFile(medium.bytes, { type: medium.contentType, length: medium.bytes.length });
    }
  }
  Object.defineProperty(TrackingController, 'name', { value: `${pascal(kind)}Controller` });
  return TrackingController;
}

function pascal(kind: string): string {
  return kind.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase());
}
