import type { Type } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiProperty,
  getSchemaPath,
  type ApiPropertyOptions,
  type SchemaObject,
} from '@nestjs/swagger';
import { DATACENTERS, KINDS, type Kind } from '../../common/kinds.js';
import { TRACKING_STATES, VIEW_STATUSES } from '../../engine/domain/states.js';
import { pascalKind } from '../product-names.js';

/** `null` in an OpenAPI 3.0 schema: `nullable` adds null to the type beside it, and the enum keeps only null. */
export const NULL_SCHEMA: SchemaObject = { type: 'object', nullable: true, enum: [null], description: 'null' };

/**
 * A property that is the model or `null`. OpenAPI 3.0 ignores a `$ref`'s siblings, and `nullable` applies only to
 * a `type` in the same schema, so `{ $ref, nullable: true }` (or `allOf: [$ref]` with it) still refuses null.
 */
export const nullableRef = (model: Type<unknown>): ApiPropertyOptions => ({
  oneOf: [{ $ref: getSchemaPath(model) }, NULL_SCHEMA],
});

/** The progress of a deletion at Jumio (retrieval-rules.md, "Deleting at Jumio"). */
export class JumioDeletionDto {
  @ApiProperty({ format: 'date-time', description: 'When the deletion fell due' }) requestedAt: string;
  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description: 'When Jumio answered 200 (or 404: already gone); null while pending',
  })
  deletedAt: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The last failure while the delete is retried' })
  lastError: string | null;
}

/** OpenAPI description of the view (see TrackingView for the type the code uses). */
@ApiExtraModels(JumioDeletionDto)
export class TrackingBlockDto {
  @ApiProperty({ enum: TRACKING_STATES }) state: string;
  @ApiProperty({ format: 'date-time' }) callbackDeadline: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) callbackReceivedAt: string | null;
  @ApiProperty({ type: 'integer', description: "Status calls made (the attempts Jumio's 10-attempt rule counts)" })
  attempts: number;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) lastAttemptAt: string | null;
  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description: 'The next status call or retrieval step while RECONCILING; null otherwise',
  })
  nextAttemptAt: string | null;
  @ApiProperty({ nullable: true, type: String }) lastError: string | null;
  @ApiProperty({ example: 'eu-main', description: 'The Jumio account whose credentials its calls use' })
  account: string;
  @ApiProperty({
    ...nullableRef(JumioDeletionDto),
    description: 'null until a deletion at Jumio falls due (asked for, and everything stored)',
  })
  jumioDeletion: JumioDeletionDto | null;
}

export class MediumDto {
  @ApiProperty({ example: 'front' }) name: string;
  @ApiProperty({ example: 'image/jpeg' }) contentType: string;
  @ApiProperty({ type: 'integer', example: 48211 }) bytes: number;
  @ApiProperty({ example: '/v1/id-verifications/8f0c5e5a-7a1e-4c1b-9a59-3f7a2b1d0c11/media/front' }) href: string;
}

/** The view's fields but `result`, which each kind's view model declares with its own result model. */
abstract class ViewFieldsDto {
  @ApiProperty({ enum: KINDS }) kind: string;
  @ApiProperty({ format: 'uuid' }) reference: string;
  @ApiProperty({ enum: DATACENTERS }) datacenter: string;
  @ApiProperty({ nullable: true, type: String }) merchantReference: string | null;
  @ApiProperty({ nullable: true, type: String }) customerReference: string | null;
  @ApiProperty({ format: 'date-time' }) acquiredAt: string;
  @ApiProperty({ enum: VIEW_STATUSES }) status: string;
  @ApiProperty({ type: TrackingBlockDto }) tracking: TrackingBlockDto;
  @ApiProperty({ type: [MediumDto] }) media: MediumDto[];
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) retrievedAt: string | null;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

/** The schema name of a kind's view model. */
const kindViewName = (kind: Kind) => `${pascalKind(kind)}ViewDto`;

/** The view of one kind: its `kind` and its `result` model (`IdVerificationsViewDto`, ...). */
export function kindViewModel(kind: Kind, resultModel: Type<unknown>): Type<unknown> {
  @ApiExtraModels(resultModel)
  class KindViewDto extends ViewFieldsDto {
    @ApiProperty({
      ...nullableRef(resultModel),
      description: 'Normalized, kind-specific; null until something was retrieved',
    })
    result: Record<string, unknown> | null;
  }
  // Decorated here rather than redeclared in the class body: the field and its type are the base class's.
  ApiProperty({ enum: [kind] })(KindViewDto.prototype, 'kind');
  Object.defineProperty(KindViewDto, 'name', { value: kindViewName(kind) });
  return KindViewDto;
}

/**
 * The view of a transaction of any kind (admin answers): the view model of its `kind`, which each product's
 * routes register (every product module is always loaded).
 */
export const ANY_KIND_VIEW: SchemaObject = {
  type: 'object',
  oneOf: KINDS.map((kind) => ({ $ref: getSchemaPath(kindViewName(kind)) })),
  discriminator: {
    propertyName: 'kind',
    mapping: Object.fromEntries(KINDS.map((kind) => [kind, getSchemaPath(kindViewName(kind))])),
  },
};
