import { BadRequestException, Injectable, type Type } from '@nestjs/common';
import { ApiProperty, getSchemaPath, type SchemaObject } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray } from 'class-validator';
import type { Kind } from '../../common/kinds.js';
import { BodyValidator } from '../../http/body-validation.js';
import { httpStatusOf } from '../../http/engine-exception-status.js';
import { errorBody } from '../../http/http-exception.filter.js';
import { droppedKeyMessages } from '../../http/prototype-keys.pipe.js';
import { TrackingService } from '../../engine/tracking/tracking.service.js';
import type { TrackingView } from '../../engine/tracking/tracking-view.js';
import { TrackTransactionDto } from './tracking.dto.js';

export const MAX_BATCH_ITEMS = 1000;
/** The batch route's body limit (every other /v1 route: 64 KiB). */
export const MAX_BATCH_BODY_BYTES = 1024 * 1024;

/**
 * `POST /v1/{kind}/batch` (the OpenAPI body; BatchTracking validates it): the items are validated one by one, each
 * as the single route's body.
 */
export class TrackBatchDto {
  @ApiProperty({
    type: [TrackTransactionDto],
    minItems: 1,
    maxItems: MAX_BATCH_ITEMS,
    description: `1 to ${MAX_BATCH_ITEMS} track bodies, each handled as POST /v1/{kind} would handle it alone`,
  })
  // The items as they were sent: each is validated on its own, with the single route's pipes.
  @Transform(({ obj }: { obj: Record<string, unknown> }) => obj.items)
  @IsArray({ message: `items must be an array of 1 to ${MAX_BATCH_ITEMS} track bodies` })
  @ArrayMinSize(1, { message: `items must hold at least 1 track body` })
  @ArrayMaxSize(MAX_BATCH_ITEMS, {
    message: `items must hold at most ${MAX_BATCH_ITEMS} track bodies (send the rest in another batch)`,
  })
  items: unknown[];
}

/** One item's answer: the single route's status with its view, or its error messages. */
export type BatchItemAnswer =
  { index: number; status: 200 | 201; view: TrackingView } | { index: number; status: number; message: string[] };

/** The answer's OpenAPI schema for a kind's view model. */
export function batchAnswerSchema(viewModel: Type<unknown>): SchemaObject {
  const index = { type: 'integer', minimum: 0, description: "The item's position in items" };
  return {
    type: 'object',
    required: ['items'],
    properties: {
      items: {
        type: 'array',
        description: 'One answer per item, in input order',
        items: {
          oneOf: [
            {
              type: 'object',
              required: ['index', 'status', 'view'],
              properties: {
                index,
                status: { type: 'integer', enum: [200, 201], description: '201 tracked, 200 a retry' },
                view: { $ref: getSchemaPath(viewModel) },
              },
            },
            {
              type: 'object',
              required: ['index', 'status', 'message'],
              properties: {
                index,
                status: {
                  type: 'integer',
                  enum: [400, 409],
                  description: '400: the item is not a valid track body; 409: tracked with different fields',
                },
                message: { type: 'array', items: { type: 'string' } },
              },
            },
          ],
        },
      },
    },
  };
}

/**
 * The batch route's work on the HTTP side: the body validated as TrackBatchDto, then each item as the single
 * route's body (same pipes, same messages), then the valid ones tracked at once.
 */
@Injectable()
export class BatchTracking {
  private readonly batchValidator = new BodyValidator(TrackBatchDto);
  private readonly itemValidator = new BodyValidator(TrackTransactionDto);

  constructor(private readonly tracking: TrackingService) {}

  async track(kind: Kind, body: unknown): Promise<{ items: BatchItemAnswer[] }> {
    // Read before the body's validation, which strips __proto__ keys from nested objects.
    const droppedKeys = rawItems(body).map((item) => (isObject(item) ? droppedKeyMessages(item) : []));
    const batch = await this.batchValidator.validate(body);
    if ('messages' in batch) throw new BadRequestException(batch.messages);
    const items = batch.dto.items;
    const answers: BatchItemAnswer[] = new Array<BatchItemAnswer>(items.length);
    const valid: { index: number; dto: TrackTransactionDto }[] = [];
    for (const [index, item] of items.entries()) {
      if (!isObject(item)) {
        answers[index] = { index, status: 400, message: [`items[${index}] must be an object (a track body)`] };
        continue;
      }
      const checked = droppedKeys[index].length
        ? { messages: droppedKeys[index] }
        : await this.itemValidator.validate(item);
      if ('dto' in checked) valid.push({ index, dto: checked.dto });
      else answers[index] = itemRefusal(index, 400, checked.messages);
    }
    const outcomes = await this.tracking.trackMany(
      kind,
      valid.map((v) => v.dto),
    );
    for (const [i, outcome] of outcomes.entries()) {
      const index = valid[i].index;
      answers[index] =
        'refused' in outcome
          ? itemRefusal(index, httpStatusOf(outcome.refused.code), outcome.refused.messages)
          : { index, status: outcome.created ? 201 : 200, view: outcome.view };
    }
    return { items: answers };
  }
}

/** An item's refusal, its messages shaped as the single route's error body shapes them (count, length). */
function itemRefusal(index: number, status: number, messages: string[]): BatchItemAnswer {
  return { index, status, message: errorBody(status, messages).message };
}

const isObject = (value: unknown): value is object =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function rawItems(body: unknown): unknown[] {
  const items = isObject(body) ? (body as { items?: unknown }).items : undefined;
  return Array.isArray(items) ? items : [];
}
