import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiExtraModels, ApiProperty, ApiResponse, ApiSchema, getSchemaPath } from '@nestjs/swagger';
import type { Scope } from '../config/app-config.js';
import { MAX_BODY_BYTES } from './body-parsing.js';
import { errorBody, type ErrorBody } from './http-exception.filter.js';
import { RequireScope } from './scopes.js';

/** OpenAPI model of the contract's error shape (ErrorBody is the type the filter sends). */
@ApiSchema({ name: 'ErrorBody' })
export class ErrorBodyDto implements ErrorBody {
  @ApiProperty({ type: 'integer', example: 400, description: 'The HTTP status of the answer' })
  statusCode: number;

  @ApiProperty({ example: 'Bad Request', description: "The status's reason phrase" })
  error: string;

  @ApiProperty({
    type: [String],
    example: ["reference must be a UUID (Jumio's scanReference or transactionReference)"],
    description: 'One message per problem, each naming the field, what was wrong and what is allowed',
  })
  message: string[];
}

export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 503;

/** What each status means on any route, and an answer it may carry (the example in the document). */
const ERRORS: Record<ErrorStatus, { description: string; example: string }> = {
  400: {
    description: 'A parameter, query value or body field is invalid (each named in message)',
    example: 'reference must be a UUID',
  },
  401: {
    description: 'No API key, or an unknown one: send Authorization: Bearer <key>',
    example: 'missing or unknown API key: send Authorization: Bearer <key>',
  },
  403: {
    description: 'The API key lacks the scope this route needs',
    example: 'the API key "checkout" lacks the "admin" scope',
  },
  404: {
    description: 'Not tracked',
    example:
      'id-verifications 8f0c5e5a-7a1e-4c1b-9a59-3f7a2b1d0c11 is not tracked; track it first with POST /v1/id-verifications',
  },
  409: { description: 'Conflicts with the stored state (named in message)', example: 'the transaction is final' },
  413: {
    description: `The request body is over ${MAX_BODY_BYTES / 1024} KiB`,
    example: `request body exceeds ${MAX_BODY_BYTES} bytes (${MAX_BODY_BYTES / 1024} KiB)`,
  },
  415: {
    description:
      'The body is JSON in another charset than UTF-8 or an unsupported Content-Encoding, or the Content-Type is no media type',
    example: 'request body encoding is not supported; send UTF-8 JSON',
  },
  503: {
    description: 'The database is unavailable, or stored data cannot be decrypted; retry later',
    example: 'the database is unavailable; retry shortly',
  },
};

/** An error status, what it means on this route (the default description otherwise) and, if need be, its example. */
export type ErrorResponse = ErrorStatus | [ErrorStatus, string] | [ErrorStatus, string, string];

/** Declares each status with the contract's error body: `ApiErrorResponses(400, [404, 'Not tracked'])`. */
export function ApiErrorResponses(...responses: ErrorResponse[]): ClassDecorator & MethodDecorator {
  return applyDecorators(
    ApiExtraModels(ErrorBodyDto),
    ...responses.map((response) => {
      const [status, description = ERRORS[status].description, example = ERRORS[status].example]: [
        ErrorStatus,
        string?,
        string?,
      ] = Array.isArray(response) ? response : [response];
      return ApiResponse({
        status,
        description,
        content: {
          'application/json': {
            schema: { $ref: getSchemaPath(ErrorBodyDto) },
            example: errorBody(status, example),
          },
        },
      });
    }),
  );
}

/** The refusals of a route that reads a JSON body (a route that takes none still reads one if sent). */
export const ApiJsonBodyErrors = (badRequest: string = ERRORS[400].description) =>
  ApiErrorResponses([400, badRequest], 413, 415);

/**
 * A controller under /v1: the scope its routes need, the bearer key in the document, and the answers every one
 * of its routes can give: 401, 403 where the scope is admin (every valid key's scopes grant transactions), 503.
 */
export function ApiKeyScope(scope: Scope): ClassDecorator {
  return applyDecorators(
    RequireScope(scope),
    ApiBearerAuth(),
    ApiErrorResponses(401, ...(scope === 'admin' ? [403 as const] : []), 503),
  );
}
