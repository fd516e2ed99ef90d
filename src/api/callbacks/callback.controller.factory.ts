import { Controller, HttpCode, Post, Query, Req, type Type } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiProperty, ApiQuery, ApiTags } from '@nestjs/swagger';
import { DATACENTERS, type Kind } from '../../common/kinds.js';
import { CallbackReceiver } from '../../engine/callbacks/callback-receiver.js';
import { MAX_CALLBACK_BODY_BYTES } from '../../http/callback-requests.js';
import { ApiErrorResponses } from '../../http/openapi-responses.js';
import { pascalKind, productName } from '../product-names.js';
import { CallbackDeliveryReader } from './callback-delivery.reader.js';
import type { RequestWithCallbackSource } from './callback-source.policy.js';

/** The answer to a stored callback. */
export class CallbackReceiptDto {
  @ApiProperty({ enum: [true] }) received: true;
  @ApiProperty({ description: 'The same callback was delivered before; this delivery changes nothing' })
  duplicate: boolean;
}

/** POST /callbacks/jumio/{kind}: Jumio's callback for one product, outside /v1 and without an API key. */
export function createCallbackController(kind: Kind): Type<unknown> {
  @ApiTags('jumio-callbacks')
  @Controller(`callbacks/jumio/${kind}`)
  class CallbackController {
    constructor(
      readonly receiver: CallbackReceiver,
      readonly deliveries: CallbackDeliveryReader,
    ) {}

    @Post()
    @HttpCode(200)
    @ApiOperation({
      summary: `Jumio's ${productName(kind)} callback (point Jumio's callback URL here)`,
      description:
        'Form-encoded, as Jumio sends it. Accepted only from CALLBACK_ALLOWED_SOURCES (X-Forwarded-For read only from TRUSTED_PROXIES). Stored before the 200, processed afterwards, once.',
    })
    @ApiConsumes('application/x-www-form-urlencoded')
    @ApiBody({ schema: { type: 'object', additionalProperties: { type: 'string' } } })
    @ApiQuery({
      name: 'datacenter',
      required: false,
      enum: DATACENTERS,
      description: 'The data center of the transaction, when the callback URL says so',
    })
    @ApiQuery({
      name: 'account',
      required: false,
      description:
        'The Jumio account the callback URL belongs to (each account has its own callback URL); an unknown name is logged and ignored',
    })
    @ApiOkResponse({
      type: CallbackReceiptDto,
      description: 'Stored (also for a repeated delivery, which changes nothing)',
    })
    @ApiErrorResponses(
      [400, 'Not a form body, no valid reference, or an unknown datacenter'],
      [403, 'The sender is not an allowed source (its body is neither read nor stored)'],
      [413, `The body is over ${MAX_CALLBACK_BODY_BYTES / 1024} KiB`],
      [415, 'The body has an unsupported Content-Encoding'],
      [503, 'The database is unavailable: the callback is not stored'],
    )
    receive(
      @Req() req: RequestWithCallbackSource,
      @Query('datacenter') datacenter?: string,
      @Query('account') account?: string,
    ) {
      return this.receiver.receive(kind, this.deliveries.read(kind, req, datacenter), account);
    }
  }
  Object.defineProperty(CallbackController, 'name', { value: `${pascalKind(kind)}CallbackController` });
  return CallbackController;
}
