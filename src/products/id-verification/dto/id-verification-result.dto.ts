import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

class RejectReasonDetailDto {
  @ApiProperty({ example: '2001' }) code: string;
  @ApiProperty({ example: 'BLURRED', nullable: true, type: String }) description: string | null;
}

class RejectReasonDto {
  @ApiProperty({ example: '200' }) code: string;
  @ApiProperty({ example: 'NOT_READABLE_DOCUMENT', nullable: true, type: String }) description: string | null;
  @ApiProperty({ type: [RejectReasonDetailDto], description: 'Always an array ([] when Jumio sends none)' })
  details: RejectReasonDetailDto[];
}

class IdentityVerificationDto {
  @ApiProperty({ example: 'MATCH' }) similarity: string;
  @ApiProperty({ example: true, description: 'Always a boolean (Jumio sends "true", "TRUE" or true)' })
  validity: boolean;
  @ApiPropertyOptional({ example: 'SELFIE_CROPPED_FROM_ID' }) reason?: string;
}

class VerificationDto {
  @ApiProperty({ example: 'OK', nullable: true, type: String }) mrzCheck: string | null;
  @ApiProperty({ type: IdentityVerificationDto, nullable: true }) identityVerification: IdentityVerificationDto | null;
  @ApiProperty({ type: RejectReasonDto, nullable: true }) rejectReason: RejectReasonDto | null;
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
