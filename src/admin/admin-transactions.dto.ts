import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  ValidateBy,
  type ValidationArguments,
} from 'class-validator';
import { KINDS, type Kind } from '../common/kinds.js';
import { TRACKING_STATES, VIEW_STATUSES, type TrackingState, type ViewStatus } from '../engine/domain/states.js';
import { ANY_KIND_VIEW } from '../api/tracking/tracking-view.dto.js';
import type { TrackingView } from '../engine/tracking/tracking-view.js';
import { IsTimestamp } from '../http/timestamp.validator.js';

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
/** PostgreSQL text cannot hold NUL: such a filter could never match, and the database would refuse the query. */
// eslint-disable-next-line no-control-regex -- NUL is exactly what this refuses
const NO_NUL = /^[^\u0000]*$/;

/** An optional exact-match text filter: a string of at most 255 characters, without NUL. */
function TextFilter(name: string, example: string, description: string): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ maxLength: 255, example, description }),
    IsOptional(),
    IsString({ message: `${name} must be a string` }),
    MaxLength(255, { message: `${name} must be at most 255 characters` }),
    Matches(NO_NUL, { message: `${name} must not contain NUL characters` }),
  );
}

/** limit: one message, the one that says what is wrong. */
function IsPageSize(): PropertyDecorator {
  return ValidateBy({
    name: 'isPageSize',
    validator: {
      validate: (value: unknown) => typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 500,
      defaultMessage: ({ value }: ValidationArguments) =>
        typeof value !== 'number' || !Number.isInteger(value)
          ? 'limit must be a whole number from 1 to 500'
          : value < 1
            ? 'limit must be at least 1'
            : 'limit must be at most 500',
    },
  });
}

/** `GET /v1/admin/transactions`: every filter optional, combined with AND. */
export class ListTransactionsQueryDto {
  @ApiPropertyOptional({ enum: KINDS })
  @IsOptional()
  @IsIn(KINDS, { message: `kind must be one of ${KINDS.join(', ')}` })
  kind?: Kind;

  @ApiPropertyOptional({ enum: TRACKING_STATES, description: 'tracking.state' })
  @IsOptional()
  @IsIn(TRACKING_STATES, { message: `state must be one of ${TRACKING_STATES.join(', ')}` })
  state?: TrackingState;

  @ApiPropertyOptional({ enum: VIEW_STATUSES, description: "Jumio's lifecycle as the view shows it" })
  @IsOptional()
  @IsIn(VIEW_STATUSES, { message: `status must be one of ${VIEW_STATUSES.join(', ')}` })
  status?: ViewStatus;

  @TextFilter('customerReference', 'user-42', 'Exact match')
  customerReference?: string;

  @TextFilter('merchantReference', 'order-1234', 'Exact match')
  merchantReference?: string;

  @TextFilter('account', 'eu-main', 'The Jumio account (exact name)')
  account?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    example: '2026-11-01T00:00:00.000Z',
    description: 'Tracked at or after this instant (inclusive)',
  })
  @IsOptional()
  @IsTimestamp('createdFrom')
  createdFrom?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    example: '2026-12-01T00:00:00.000Z',
    description: 'Tracked before this instant (exclusive)',
  })
  @IsOptional()
  @IsTimestamp('createdTo')
  createdTo?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 500, default: 50 })
  @IsOptional()
  @Transform(toInt)
  @IsPageSize()
  limit?: number;

  @ApiPropertyOptional({
    description: 'The `next` of the previous page, with the same filters; omit for the first page',
  })
  @IsOptional()
  @IsString({ message: 'cursor must be a value returned as next' })
  @MaxLength(120, { message: 'cursor must be a value returned as next' })
  cursor?: string;
}

export class AdminTransactionParams {
  @IsIn(KINDS, { message: `kind must be one of ${KINDS.join(', ')}` })
  kind: Kind;

  @IsUUID('all', { message: 'reference must be a UUID' })
  reference: string;
}

/** `DELETE /v1/admin/transactions/{kind}/{reference}/personal-data`: `atJumio=true` deletes at Jumio too. */
export class PurgeQueryDto {
  @ApiPropertyOptional({
    enum: ['true', 'false'],
    description: 'true: delete the transaction at Jumio too, whatever its state (default false)',
  })
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'atJumio must be true or false' })
  atJumio?: 'true' | 'false';
}

export class TransactionPageDto {
  @ApiProperty({ type: 'array', items: ANY_KIND_VIEW, description: 'Views of any kind, newest first' })
  items: TrackingView[];
  @ApiProperty({ nullable: true, type: String, description: 'Pass as cursor for the next page; null on the last page' })
  next: string | null;
}

export class AttemptDto {
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty({
    description: 'The path called, without host or credentials',
    example: '/api/netverify/v2/scans/8f0c5e5a-7a1e-4c1b-9a59-3f7a2b1d0c11',
  })
  endpoint: string;
  @ApiProperty({
    enum: ['status', 'details', 'media-list', 'medium', 'delete', 'takeover'],
    description: "takeover is no call: an expired claim's step was redone, so a call in flight may be repeated",
  })
  callType: string;
  @ApiProperty({ type: 'integer', nullable: true, description: 'null when no answer came (timeout, reset)' })
  httpStatus: number | null;
  @ApiProperty({ type: 'integer' }) durationMs: number;
  @ApiProperty({
    description:
      'PENDING, DONE, FAILED, NOT_FOUND, STORED, or a failure (TIMEOUT, RATE_LIMITED, REFUSED, MALFORMED, ...)',
  })
  outcome: string;
  @ApiProperty({ nullable: true, type: String }) error: string | null;
  @ApiProperty({ description: "Whether Jumio's 10-attempt rule counts it (status calls)" }) countsAsAttempt: boolean;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'The API key that forced it (POST .../reconcile); null when scheduled',
  })
  actor: string | null;
}

export class AttemptListDto {
  @ApiProperty({ type: [AttemptDto] }) items: AttemptDto[];
}
