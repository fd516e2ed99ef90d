import type { Type } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';

/** The model or null: OpenAPI 3.0 ignores a $ref's siblings, so `nullable` cannot stand beside it. */
const modelOrNull = (model: Type<unknown>) => ({
  oneOf: [{ $ref: getSchemaPath(model) }, { type: 'object' as const, nullable: true, enum: [null] }],
});

class RejectReasonDetailDto {
  @ApiProperty({ example: '2001', nullable: true, type: String, description: 'null when Jumio sent no code' })
  code: string | null;
  @ApiProperty({ example: 'BLURRED', nullable: true, type: String }) description: string | null;
}

class RejectReasonDto {
  @ApiProperty({ example: '200', nullable: true, type: String, description: 'null when Jumio sent no code' })
  code: string | null;
  @ApiProperty({ example: 'NOT_READABLE_DOCUMENT', nullable: true, type: String }) description: string | null;
  @ApiProperty({ type: [RejectReasonDetailDto], description: 'Always an array ([] when Jumio sends none)' })
  details: RejectReasonDetailDto[];
}

class IdentityVerificationDto {
  @ApiProperty({ example: 'MATCH', nullable: true, type: String, description: 'null when Jumio sent none' })
  similarity: string | null;
  @ApiProperty({
    example: true,
    nullable: true,
    type: Boolean,
    description: 'A boolean (Jumio sends "true", "TRUE" or true); null when Jumio sent none',
  })
  validity: boolean | null;
  @ApiPropertyOptional({ example: 'SELFIE_CROPPED_FROM_ID' }) reason?: string;
}

@ApiExtraModels(IdentityVerificationDto, RejectReasonDto)
class VerificationDto {
  @ApiProperty({ example: 'OK', nullable: true, type: String }) mrzCheck: string | null;
  @ApiProperty({ ...modelOrNull(IdentityVerificationDto), description: 'null when Jumio sent none' })
  identityVerification: IdentityVerificationDto | null;
  @ApiProperty({ ...modelOrNull(RejectReasonDto), description: 'null when the document was not rejected' })
  rejectReason: RejectReasonDto | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'faceSearchFindings.findings is always an array',
  })
  additionalChecks: Record<string, unknown> | null;
}

/** OpenAPI model of an ID Verification `result`. */
export class IdVerificationResultDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: {
      type: 'PASSPORT',
      issuingCountry: 'AUT',
      firstName: 'FIRST NAME',
      dob: '1990-01-01',
      status: 'APPROVED_VERIFIED',
    },
  })
  document: Record<string, unknown>;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: { status: 'DONE', source: 'WEB_UPLOAD', date: '2019-01-01T11:01:10.227Z' },
  })
  transaction: Record<string, unknown>;
  @ApiProperty({ type: VerificationDto }) verification: VerificationDto;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'Fields Jumio sent that the service does not know, as they came',
  })
  extra?: Record<string, unknown>;
}
