import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { DOCUMENT_TYPES } from '../normalization/document-verification.result.js';

class ExtractedDataDto {
  @ApiProperty({ example: false, nullable: true, type: Boolean, description: 'null when Jumio sent none' })
  signatureAvailable: boolean | null;
  @ApiPropertyOptional({ example: '123-45-6789' }) ssn?: string;
  @ApiPropertyOptional({ example: 'FIRST NAME' }) firstName?: string;
  @ApiPropertyOptional({ example: 'LAST NAME' }) lastName?: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: "Jumio's inner extractedData JSON string, parsed; signaturePresent is a boolean",
    example: { expiryDate: '01/22', pan: 'XXXXXXXXXXXX1234', signaturePresent: true },
  })
  fields: Record<string, unknown>;
}

@ApiExtraModels(ExtractedDataDto)
class DocumentDto {
  @ApiProperty({
    example: 'EXTRACTED',
    nullable: true,
    type: String,
    description: 'UPLOADED, EXTRACTED, DISCARDED (unknown values kept); null when Jumio sent none',
  })
  status: string | null;
  @ApiProperty({
    example: 'CC',
    nullable: true,
    type: String,
    description: `${DOCUMENT_TYPES.join(', ')} (unknown types kept); null when Jumio sent none`,
  })
  type: string | null;
  @ApiProperty({ example: 'AUT', nullable: true, type: String, description: 'null when Jumio sent none' })
  country: string | null;
  @ApiPropertyOptional({ description: 'Only for type CUSTOM' }) customDocumentCode?: string;
  @ApiPropertyOptional({
    description: "The service's href of the original PDF, when Jumio has one",
    example: '/v1/document-verifications/8f0c5e5a-7a1e-4c1b-9a59-3f7a2b1d0c11/media/original',
  })
  originalDocument?: string;
  @ApiProperty({
    // The model or null: OpenAPI 3.0 ignores a $ref's siblings, so `nullable` cannot stand beside it.
    oneOf: [{ $ref: getSchemaPath(ExtractedDataDto) }, { type: 'object', nullable: true, enum: [null] }],
    description: 'null when Jumio sent no extractedData',
  })
  extractedData: ExtractedDataDto | null;
}

/** OpenAPI model of a Document Verification `result`. */
export class DocumentVerificationResultDto {
  @ApiProperty({ type: DocumentDto }) document: DocumentDto;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: { status: 'DONE', source: 'DOC_UPLOAD', merchantScanReference: 'YOURSCANREFERENCE' },
  })
  transaction: Record<string, unknown>;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'Fields Jumio sent that the service does not know, as they came',
  })
  extra?: Record<string, unknown>;
}
