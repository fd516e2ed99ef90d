import { Controller, HttpCode, Post, Query, Req, type Type } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Kind } from '../../common/kinds.js';
import { CallbackReceiver } from '../../engine/callbacks/callback-receiver.js';
import type { RequestWithCallbackSource } from './callback-source.policy.js';

/** POST /callbacks/jumio/{kind}: Jumio's callback for one product, outside /v1 and without an API key. */
export function createCallbackController(kind: Kind): Type<unknown> {
  @ApiTags('jumio-callbacks')
  @Controller(`callbacks/jumio/${kind}`)
  class CallbackController {
    constructor(readonly receiver: CallbackReceiver) {}

    @Post()
    @HttpCode(200)
    @ApiOperation({
      summary: `Jumio's ${kind} callback (point Jumio's callback URL here)`,
      description:
        'Form-encoded, as Jumio sends it. Accepted only from CALLBACK_ALLOWED_SOURCES (X-Forwarded-For read only from TRUSTED_PROXIES). Stored before the 200, processed afterwards, once.',
    })
    @ApiConsumes('application/x-www-form-urlencoded')
    @ApiBody({ schema: { type: 'object', additionalProperties: { type: 'string' } } })
    @ApiQuery({
      name: 'datacenter',
      required: false,
      enum: ['US', 'EU', 'SGP'],
      description: 'The data center of the transaction, when the callback URL says so',
    })
    @ApiQuery({
      name: 'account',
      required: false,
      description:
        'The Jumio account the callback URL belongs to (each account has its own callback URL); an unknown name is logged and ignored',
    })
    @ApiResponse({ status: 200, description: 'Stored (also for a repeated delivery, which changes nothing)' })
    @ApiResponse({ status: 400, description: 'Not a form body, or no valid reference' })
    @ApiResponse({ status: 403, description: 'The sender is not an allowed source' })
    receive(
      @Req() req: RequestWithCallbackSource,
      @Query('datacenter') datacenter?: string,
      @Query('account') account?: string,
    ) {
      // CallbackSourceGate checked the sender before the body was read; this is its finding.
      const source = req.callbackSource;
      if (!source?.allowed) throw new Error('CallbackSourceGate is not mounted before the callback routes');
      const delivery = {
        body: req.body,
        contentType: req.headers['content-type'],
        sourceAddress: source.address,
        sourceDatacenter: source.datacenter,
      };
      return this.receiver.receive(kind, delivery, datacenter, account);
    }
  }
  Object.defineProperty(CallbackController, 'name', { value: `${kind}-callback-controller` });
  return CallbackController;
}
