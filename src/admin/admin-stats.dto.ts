import { ApiExtraModels, ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { DATACENTERS, KINDS, type Kind } from '../common/kinds.js';
import { ACCOUNT_STATES, type AccountStateName } from '../engine/accounts/account-states.js';
import { TRACKING_STATES } from '../engine/domain/states.js';
import { nullableRef } from '../api/tracking/tracking-view.dto.js';
import type { AdminStats } from './admin-stats.service.js';

/** Transactions of one kind by tracking.state; a state no transaction is in is left out. */
export class StateCountsDto {}
for (const state of TRACKING_STATES) {
  ApiPropertyOptional({ type: 'integer', minimum: 1 })(StateCountsDto.prototype, state);
}

/** Every kind's counts. */
export class StatesByKindDto {}
for (const kind of KINDS) ApiProperty({ type: StateCountsDto })(StatesByKindDto.prototype, kind);

export class OldestOverdueDto {
  @ApiProperty({ enum: KINDS }) kind: Kind;
  @ApiProperty({ format: 'uuid' }) reference: string;
  @ApiProperty({ format: 'date-time', description: 'When its next step fell due' }) dueAt: string;
  @ApiProperty({ type: 'integer', minimum: 0 }) lateSeconds: number;
}

export class JumioCallCountDto {
  @ApiProperty({ enum: KINDS }) kind: string;
  @ApiProperty({
    enum: ['status', 'details', 'media-list', 'medium', 'delete'],
    description: 'The kind of call, never a reference',
  })
  endpoint: string;
  @ApiProperty({ type: 'integer', nullable: true, description: 'null when no answer came (timeout, reset)' })
  httpStatus: number | null;
  @ApiProperty({ type: 'integer', minimum: 1 }) count: number;
}

export class CallbackBacklogDto {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Callbacks refused for good (unreadable, too deep)' })
  malformed: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Callbacks whose processing failed and is retried' })
  failing: number;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) oldestFailingReceivedAt: string | null;
}

export class AccountStatsDto {
  @ApiProperty({ description: 'The account name of JUMIO_ACCOUNTS' }) name: string;
  @ApiProperty({ enum: DATACENTERS }) datacenter: string;
  @ApiProperty({ type: 'number', description: 'Calls per second this account may make in this data center' })
  ceilingPerSecond: number;
  @ApiProperty({ enum: ACCOUNT_STATES, description: 'CREDENTIALS_REJECTED: calls paused, one probe per interval' })
  state: AccountStateName;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, description: 'When the state last changed' })
  since: string | null;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Calls made with this account in the last minute' })
  callsLastMinute: number;
  @ApiProperty({
    type: 'integer',
    minimum: 0,
    description: 'The calls known to be due now, of every type (status, details, media list, media)',
  })
  dueCalls: number;
  @ApiProperty({
    type: 'integer',
    minimum: 0,
    nullable: true,
    description: 'ceil(dueCalls / ceilingPerSecond): seconds until the work due now is done; null while paused',
  })
  etaSeconds: number | null;
}

export class EncryptionStatsDto {
  @ApiProperty({ description: 'The key of DATA_ENCRYPTION_KEYS new values are encrypted under (its first)' })
  activeKeyId: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer', minimum: 0 },
    description:
      'Values encrypted at rest per key id: every configured key (0 when it encrypts nothing) and any other key stored values name. An old key can be dropped once it shows 0',
    example: { k2: 5120, k1: 0 },
  })
  valuesByKeyId: Record<string, number>;
}

/** OpenAPI model of `GET /v1/admin/stats` (AdminStats is the type the code returns). */
@ApiExtraModels(OldestOverdueDto)
export class AdminStatsDto implements AdminStats {
  @ApiProperty({ type: StatesByKindDto, description: 'Per kind, its transactions by tracking.state' })
  states: Record<string, Record<string, number>>;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Transactions whose next step is due now' }) dueNow: number;
  @ApiProperty({ ...nullableRef(OldestOverdueDto), description: 'The most overdue step; null when nothing is late' })
  oldestOverdue: OldestOverdueDto | null;
  @ApiProperty({ type: [JumioCallCountDto], description: 'Calls to Jumio in the last hour, by kind, call and status' })
  jumioCalls: JumioCallCountDto[];
  @ApiProperty({ type: CallbackBacklogDto, description: "Jumio's callbacks received directly and not applied" })
  callbacks: CallbackBacklogDto;
  @ApiProperty({ type: [AccountStatsDto], description: 'Each Jumio account in each of its data centers' })
  accounts: AccountStatsDto[];
  @ApiProperty({ type: EncryptionStatsDto, description: 'Encryption at rest: the active key and the values per key' })
  encryption: EncryptionStatsDto;
}
