import { Injectable, Logger } from '@nestjs/common';
import type { Request } from 'express';
import { MetricsService } from '../../operations/metrics.service.js';
import { Clock } from '../clock/clock.js';
import { DATACENTERS, type Datacenter, type Kind } from '../domain/kinds.js';
import { EngineException } from '../engine.exception.js';
import { ProductRegistry } from '../products/product-registry.js';
import { CallbackInbox, callbackDedupeKey } from './callback-inbox.js';
import type { CallbackFields } from './callback-reader.js';
import { CallbackProcessor } from './callback-processor.js';
import { CallbackBodyError, decodeCallbackBody, parseCallbackForm } from './callback-form.js';
import { CallbackSourcePolicy } from './callback-source.policy.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The receiving end of POST /callbacks/jumio/{kind}: checks the sender, finds the reference, stores the raw
 * callback and answers; everything else about the callback is read afterwards by CallbackProcessor (Jumio's own
 * advice: store, answer 200, validate later). Nothing of a refused or unreadable body is stored or logged.
 */
@Injectable()
export class CallbackReceiver {
  private readonly logger = new Logger(CallbackReceiver.name);

  constructor(
    private readonly policy: CallbackSourcePolicy,
    private readonly inbox: CallbackInbox,
    private readonly processor: CallbackProcessor,
    private readonly products: ProductRegistry,
    private readonly metrics: MetricsService,
    private readonly clock: Clock,
  ) {}

  async receive(kind: Kind, req: Request, datacenterParam: string | undefined): Promise<{ received: true; duplicate: boolean }> {
    const source = this.policy.identify(req);
    if (!source.allowed) {
      this.metrics.callbacks.inc({ kind, outcome: 'REFUSED_SOURCE' });
      this.logger.warn({ kind, source: source.address }, 'callback refused: its source address is not in CALLBACK_ALLOWED_SOURCES');
      throw new EngineException('CALLBACK_SOURCE_REFUSED', [`callbacks are accepted only from the addresses in CALLBACK_ALLOWED_SOURCES; ${source.address} is not one`]);
    }
    const field = this.products.get(kind).callbacks.referenceField;
    let body: string;
    let fields: CallbackFields;
    let reference: string | undefined;
    try {
      if (datacenterParam !== undefined && !(DATACENTERS as readonly string[]).includes(datacenterParam)) {
        throw new CallbackBodyError(`the datacenter query parameter must be one of ${DATACENTERS.join(', ')}`);
      }
      body = decodeCallbackBody(req.body, req.headers['content-type']);
      fields = parseCallbackForm(body);
      reference = fields[field];
      if (reference === undefined || !UUID.test(reference)) throw new CallbackBodyError(`the callback names no valid ${field} (a UUID)`);
    } catch (e) {
      if (!(e instanceof CallbackBodyError)) throw e;
      this.metrics.callbacks.inc({ kind, outcome: 'INVALID' });
      throw new EngineException('INVALID_REQUEST', [e.message]);
    }
    const datacenter = (datacenterParam as Datacenter | undefined) ?? source.datacenter;
    const stored = await this.inbox.store(
      { kind, reference: reference.toLowerCase(), body, dedupeKey: callbackDedupeKey(fields), sourceAddress: source.address, datacenterHint: datacenter },
      this.clock.now(),
    );
    this.metrics.callbacks.inc({ kind, outcome: stored.duplicate ? 'DUPLICATE_DELIVERY' : 'STORED' });
    this.processor.stored(stored.id);
    return { received: true, duplicate: stored.duplicate };
  }
}
