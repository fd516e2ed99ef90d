import { BadRequestException, Injectable, type PipeTransform } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsString,
  IsUUID,
  isUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import { DATACENTERS, type Datacenter } from '../../common/kinds.js';
import { IsTimestamp } from '../../http/timestamp.validator.js';
import {
  CALLBACK_OUTCOMES,
  type CallbackOutcomeReport,
  type CallbackReport,
  type TrackRequest,
} from '../../engine/tracking/tracking-requests.js';

/** PostgreSQL text cannot hold NUL: refused as bad input rather than failing in the database. */
// eslint-disable-next-line no-control-regex -- NUL is exactly what this refuses
const NO_NUL = /^[^\u0000]*$/;

/**
 * An optional body field may be left out, but not sent as null: a null is refused with the field's rule,
 * so a caller never gets a default it did not ask for.
 */
export const IsOmittable = () => ValidateIf((_object: unknown, value: unknown) => value !== undefined);

/** `POST /v1/{kind}`: the same body for every kind. */
export class TrackTransactionDto implements TrackRequest {
  @ApiProperty({
    format: 'uuid',
    example: '8f0c5e5a-7a1e-4c1b-9a59-3f7a2b1d0c11',
    description: "Jumio's reference (scanReference or transactionReference)",
  })
  @IsUUID('all', { message: "reference must be a UUID (Jumio's scanReference or transactionReference)" })
  reference: string;

  @ApiPropertyOptional({
    format: 'date-time',
    example: '2026-11-26T10:15:00.000Z',
    description: 'When the journey finished or the upload happened; at most 60 s in the future. Defaults to now.',
  })
  @IsOmittable()
  @IsTimestamp('acquiredAt')
  acquiredAt?: string;

  @ApiPropertyOptional({ enum: DATACENTERS, description: 'Defaults to JUMIO_DEFAULT_DATACENTER' })
  @IsOmittable()
  @IsIn(DATACENTERS, { message: `datacenter must be one of ${DATACENTERS.join(', ')}` })
  datacenter?: Datacenter;

  @ApiPropertyOptional({
    example: 'eu-main',
    description:
      "A configured Jumio account (JUMIO_ACCOUNTS) of the transaction's data center; defaults to that data center's first. Given alone, the data center is the account's.",
  })
  @IsOmittable()
  @IsString({ message: 'account must be a string' })
  @Matches(/^[a-z0-9-]{1,63}$/, { message: 'account must be 1 to 63 lower-case letters, digits and -' })
  account?: string;

  @ApiPropertyOptional({ maxLength: 255, example: 'order-1234' })
  @IsOmittable()
  @IsString({ message: 'merchantReference must be a string' })
  @MaxLength(255, { message: 'merchantReference must be at most 255 characters' })
  @Matches(NO_NUL, { message: 'merchantReference must not contain NUL characters' })
  merchantReference?: string;

  @ApiPropertyOptional({ maxLength: 255, example: 'user-42' })
  @IsOmittable()
  @IsString({ message: 'customerReference must be a string' })
  @MaxLength(255, { message: 'customerReference must be at most 255 characters' })
  @Matches(NO_NUL, { message: 'customerReference must not contain NUL characters' })
  customerReference?: string;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: 86400,
    example: 600,
    description: 'How long to wait for the callback after acquiredAt. Defaults to CALLBACK_GRACE_SECONDS.',
  })
  @IsOmittable()
  @IsInt({ message: 'callbackGraceSeconds must be a whole number of seconds' })
  @Min(0, { message: 'callbackGraceSeconds must be at least 0' })
  @Max(86400, { message: 'callbackGraceSeconds must be at most 86400' })
  callbackGraceSeconds?: number;

  @ApiPropertyOptional({
    description: 'Delete the transaction at Jumio once everything is stored. Defaults to JUMIO_DELETE_AFTER_RETRIEVAL.',
  })
  @IsOmittable()
  @IsBoolean({ message: 'deleteAtJumio must be true or false' })
  deleteAtJumio?: boolean;
}

/** `POST /v1/{kind}/{reference}/callback` */
export class ReportCallbackDto implements CallbackReport {
  @ApiProperty({
    enum: CALLBACK_OUTCOMES,
    description:
      'RECEIVED: the backend processed the callback. FAILED: it was lost or could not be processed; reconcile now.',
  })
  @IsIn(CALLBACK_OUTCOMES, { message: `outcome must be one of ${CALLBACK_OUTCOMES.join(', ')}` })
  outcome: CallbackOutcomeReport;

  @ApiPropertyOptional({
    format: 'date-time',
    example: '2026-11-26T10:16:02.000Z',
    description: 'When the callback arrived; at most 60 s in the future. Defaults to now.',
  })
  @IsOmittable()
  @IsTimestamp('receivedAt')
  receivedAt?: string;
}

const REFERENCE_MESSAGE = 'reference must be a UUID';

export class ReferenceParams {
  @IsUUID('all', { message: REFERENCE_MESSAGE })
  reference: string;
}

/**
 * The reference of `GET /v1/{kind}/{reference}` (the hot read path): ReferenceParams' rule and 400, without the
 * global ValidationPipe's class-transformer and class-validator passes over a one-field object per request.
 */
@Injectable()
export class ParseReferencePipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isUUID(value, 'all')) throw new BadRequestException([REFERENCE_MESSAGE]);
    return value;
  }
}

export class MediumParams extends ReferenceParams {
  @IsString()
  @MaxLength(64, { message: 'name must be at most 64 characters' })
  name: string;
}
