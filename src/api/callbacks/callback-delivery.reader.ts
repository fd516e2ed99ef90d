import { BadRequestException, Injectable } from '@nestjs/common';
import { DATACENTERS, type Datacenter, type Kind } from '../../common/kinds.js';
import type { CallbackDelivery } from '../../engine/callbacks/callback-receiver.js';
import { EngineMetrics } from '../../engine/metrics/engine-metrics.js';
import { CallbackBodyError, decodeCallbackBody } from '../../http/callback-requests.js';
import type { RequestWithCallbackSource } from './callback-source.policy.js';

/**
 * Reads a callback request into what the engine stores: the datacenter query parameter, then the form body as
 * UTF-8. A request that is no callback at all is a 400 counted as INVALID; its body is never repeated.
 */
@Injectable()
export class CallbackDeliveryReader {
  constructor(private readonly metrics: EngineMetrics) {}

  read(kind: Kind, request: RequestWithCallbackSource, datacenterParam: string | undefined): CallbackDelivery {
    // CallbackSourceGate checked the sender before the body was read; this is its finding.
    const source = request.callbackSource;
    if (!source?.allowed) throw new Error('CallbackSourceGate is not mounted before the callback routes');
    try {
      if (datacenterParam !== undefined && !(DATACENTERS as readonly string[]).includes(datacenterParam)) {
        throw new CallbackBodyError(`the datacenter query parameter must be one of ${DATACENTERS.join(', ')}`);
      }
      return {
        body: decodeCallbackBody(request.body, request.headers['content-type']),
        sourceAddress: source.address,
        datacenter: (datacenterParam as Datacenter | undefined) ?? source.datacenter,
      };
    } catch (e) {
      if (!(e instanceof CallbackBodyError)) throw e;
      this.metrics.callbacks.inc({ kind, outcome: 'INVALID' });
      throw new BadRequestException([e.message]);
    }
  }
}
