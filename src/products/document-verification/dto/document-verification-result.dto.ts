import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { DOCUMENT_TYPES } from '../normalization/document-verification.result.js';

class ExtractedDataDto {
  @ApiProperty({ example: false }) signatureAvailable: boolean;
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

class DocumentDto {
  @ApiProperty({ example: 'EXTRACTED', description: 'UPLOADED, EXTRACTED, DISCARDED (unknown values kept)' })
  status: string;
  @ApiProperty({ example: 'CC', description: `${DOCUMENT_TYPES.join(', ')} (unknown types kept)` }) type: string;
  @ApiProperty({ example: 'AUT' }) country: string;
  @ApiPropertyOptional({ description: 'Only for type CUSTOM' }) customDocumentCode?: string;
  @ApiPropertyOptional({
    description: "The service's href of the original PDF, when Jumio has one",
    example: '/v1/document-verifications/8f0c5e5a-7a1e-4c1b-9a59-3f7a2b1d0c11/media/original',
  })
  originalDocument?: string;
  @ApiProperty({ type: ExtractedDataDto, nullable: true }) extractedData: ExtractedDataDto | null;
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
