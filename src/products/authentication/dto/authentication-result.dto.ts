import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { AUTHENTICATION_RESULTS } from '../normalization/authentication.result.js';

/** OpenAPI model of an Authentication `result` (the view's `status` is DONE for every final result). */
export class AuthenticationResultDto {
  @ApiProperty({
    example: 'PASSED',
    nullable: true,
    type: String,
    description: `${AUTHENTICATION_RESULTS.join(', ')} (unknown values kept); null when Jumio sent none`,
  })
  transactionResult: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) enrollmentTransactionReference: string | null;
  @ApiProperty({
    format: 'date-time',
    example: '2019-05-23T14:32:27.534Z',
    description: "Jumio's zone-less timestamp, read as UTC",
    nullable: true,
    type: String,
  })
  transactionDate: string | null;
  @ApiProperty({ example: 'SDK', nullable: true, type: String }) scanSource: string | null;
  @ApiProperty({ nullable: true, type: String }) userReference: string | null;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'Fields Jumio sent that the service does not know, as they came',
  })
  extra?: Record<string, unknown>;
}
