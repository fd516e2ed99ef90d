import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { DATACENTERS, KINDS } from '../../common/kinds.js';
import { TRACKING_STATES, VIEW_STATUSES } from '../../engine/domain/states.js';

/** OpenAPI description of the view (see TrackingView for the type the code uses). */
export class TrackingBlockDto {
  @ApiProperty({ enum: TRACKING_STATES }) state: string;
  @ApiProperty({ format: 'date-time' }) callbackDeadline: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) callbackReceivedAt: string | null;
  @ApiProperty({ description: "Status calls made (the attempts Jumio's 10-attempt rule counts)" }) attempts: number;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) lastAttemptAt: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) nextAttemptAt: string | null;
  @ApiProperty({ nullable: true, type: String }) lastError: string | null;
  @ApiProperty({ example: 'eu-main', description: 'The Jumio account whose credentials its calls use' })
  account: string;
}

export class MediumDto {
  @ApiProperty({ example: 'front' }) name: string;
  @ApiProperty({ example: 'image/jpeg' }) contentType: string;
  @ApiProperty({ example: 48211 }) bytes: number;
  @ApiProperty({ example: '/v1/id-verifications/8f0c5e5a-7a1e-4c1b-9a59-3f7a2b1d0c11/media/front' }) href: string;
}

export class TrackingViewDto {
  @ApiProperty({ enum: KINDS }) kind: string;
  @ApiProperty({ format: 'uuid' }) reference: string;
  @ApiProperty({ enum: DATACENTERS }) datacenter: string;
  @ApiProperty({ nullable: true, type: String }) merchantReference: string | null;
  @ApiProperty({ nullable: true, type: String }) customerReference: string | null;
  @ApiProperty({ format: 'date-time' }) acquiredAt: string;
  @ApiProperty({ enum: VIEW_STATUSES }) status: string;
  @ApiProperty({ type: TrackingBlockDto }) tracking: TrackingBlockDto;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'Normalized, kind-specific; null until retrieved',
  })
  result: Record<string, unknown> | null;
  @ApiProperty({ type: [MediumDto] }) media: MediumDto[];
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) retrievedAt: string | null;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}
