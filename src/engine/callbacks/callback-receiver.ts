import { Injectable, Logger } from '@nestjs/common';
import { JumioAccounts } from '../accounts/jumio-accounts.js';
import { EngineMetrics } from '../metrics/engine-metrics.js';
import { Clock } from '../clock/clock.js';
import type { Datacenter, Kind } from '../../common/kinds.js';
import { EngineException } from '../engine.exception.js';
import { ProductRegistry } from '../product-kit/product-registry.js';
import { CallbackInbox, callbackIdentity } from './callback-inbox.js';
import { CallbackProcessor } from './callback-processor.js';
import { parseCallbackForm } from './callback-form.js';

/** A callback as the HTTP side read it, from a sender it has already checked against the allowlist. */
export interface CallbackDelivery {
  /** The form body, decoded as UTF-8. */
  body: string;
  sourceAddress: string;
  /** The callback URL's data center, else the one whose published callback addresses include the sender. */
  datacenter: Datacenter | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The receiving end of Jumio's callbacks (sender already checked): finds the reference, stores the raw
 * callback and answers; everything else about the callback is read afterwards by CallbackProcessor (Jumio's own
 * advice: store, answer 200, validate later). Nothing of a refused or unreadable body is stored or logged.
 */
@Injectable()
export class CallbackReceiver {
  private readonly logger = new Logger(CallbackReceiver.name);

  constructor(
    private readonly accounts: JumioAccounts,
    private readonly inbox: CallbackInbox,
    private readonly processor: CallbackProcessor,
    private readonly products: ProductRegistry,
    private readonly metrics: EngineMetrics,
    private readonly clock: Clock,
  ) {}

  async receive(
    kind: Kind,
    delivery: CallbackDelivery,
    accountParam?: string,
  ): Promise<{ received: true; duplicate: boolean }> {
    const field = this.products.get(kind).callbacks.referenceField;
    const fields = parseCallbackForm(delivery.body);
    const reference = fields[field];
    if (reference === undefined || !UUID.test(reference)) {
      this.metrics.callbacks.inc({ kind, outcome: 'INVALID' });
      throw new EngineException('INVALID_REQUEST', [`the callback names no valid ${field} (a UUID)`]);
    }
    const accountHint = this.knownAccount(kind, accountParam);
    const stored = await this.inbox.store(
      {
        kind,
        reference: reference.toLowerCase(),
        body: delivery.body,
        identity: callbackIdentity(fields),
        sourceAddress: delivery.sourceAddress,
        datacenterHint: delivery.datacenter,
        accountHint,
      },
      this.clock.now(),
    );
    this.metrics.callbacks.inc({ kind, outcome: stored.duplicate ? 'DUPLICATE_DELIVERY' : 'STORED' });
    this.processor.stored(stored.id);
    return { received: true, duplicate: stored.duplicate };
  }

  /** The callback URL's `?account=`, when it names a configured account; an unknown one is logged and ignored. */
  private knownAccount(kind: Kind, name: string | undefined): string | null {
    if (name === undefined || name === '') return null;
    if (this.accounts.all().some((a) => a.name === name)) return name;
    // The value is the caller's: never logged (it could be anything, personal data included).
    this.logger.warn(
      { kind },
      "a callback's account parameter names no configured Jumio account; it is ignored (the callback is kept)",
    );
    return null;
  }
}
