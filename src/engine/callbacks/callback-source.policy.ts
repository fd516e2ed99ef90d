import { Inject, Injectable, Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { IncomingMessage } from 'node:http';
import ipaddr from 'ipaddr.js';
import proxyaddr from 'proxy-addr';
import { JUMIO_CALLBACK_SOURCES, type AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { errorBody } from '../../http/http-exception.filter.js';
import { MetricsService } from '../../operations/metrics.service.js';
import { DATACENTERS, KINDS, type Datacenter, type Kind } from '../domain/kinds.js';

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

export interface CallbackSource {
  /** The sender: the direct peer, or the client named by X-Forwarded-For when the peer is a trusted proxy. */
  address: string;
  allowed: boolean;
  /** The data center whose published callback addresses include the sender, if any. */
  datacenter: Datacenter | null;
}

/**
 * Who may post callbacks. Jumio signs nothing, so the sender's address is the proof (jumio-facts.md, section 7):
 * it must be in CALLBACK_ALLOWED_SOURCES. Behind a load balancer the direct peer is the balancer: X-Forwarded-For
 * is believed only when the peer is in TRUSTED_PROXIES, and then read from the right, hop by hop, through
 * trusted proxies only (proxy-addr), so a client cannot name itself Jumio by sending the header. An IPv4-mapped
 * IPv6 address (`::ffff:a.b.c.d`, a dual-stack socket) counts as its IPv4 address.
 */
@Injectable()
export class CallbackSourcePolicy {
  private readonly allowed: Range[];
  private readonly trust: (addr: string, i: number) => boolean;
  private readonly published: { datacenter: Datacenter; ranges: Range[] }[];

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.allowed = config.callbacks.allowedSources.map(toRange);
    const proxies = config.callbacks.trustedProxies.map(toRange);
    this.trust = proxies.length === 0 ? () => false : (addr: string) => inAny(addr, proxies);
    this.published = DATACENTERS.map((datacenter) => ({ datacenter, ranges: JUMIO_CALLBACK_SOURCES[datacenter].map(toRange) }));
  }

  identify(req: IncomingMessage): CallbackSource {
    const raw = proxyaddr(req, this.trust);
    const address = canonical(raw) ?? String(raw);
    const datacenter = this.published.find((p) => inAny(address, p.ranges))?.datacenter ?? null;
    return { address, allowed: inAny(address, this.allowed), datacenter };
  }
}

function toRange(entry: string): Range {
  if (entry.includes('/')) {
    const [addr, bits] = ipaddr.parseCIDR(entry);
    return addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96
      ? [(addr as ipaddr.IPv6).toIPv4Address(), bits - 96]
      : [addr, bits];
  }
  const addr = ipaddr.process(entry);
  return [addr, addr.kind() === 'ipv4' ? 32 : 128];
}

/** The address in canonical form, IPv4-mapped IPv6 as IPv4; null when it is not an address. */
function canonical(address: string | undefined): string | null {
  if (!address || !ipaddr.isValid(address)) return null;
  return ipaddr.process(address).toString();
}

function inAny(address: string, ranges: Range[]): boolean {
  if (!ipaddr.isValid(address)) return false;
  const addr = ipaddr.process(address);
  return ranges.some(([net, bits]) => net.kind() === addr.kind() && addr.match(net, bits));
}

/** The sender CallbackSourceGate let through, for CallbackReceiver. */
export type RequestWithCallbackSource = Request & { callbackSource?: CallbackSource };

/**
 * Express middleware on /callbacks, mounted before the body parser: a sender outside the allowlist is answered
 * 403 before a byte of its body is read, and is logged with its address only.
 */
@Injectable()
export class CallbackSourceGate {
  private readonly logger = new Logger(CallbackSourceGate.name);

  constructor(
    private readonly policy: CallbackSourcePolicy,
    private readonly metrics: MetricsService,
  ) {}

  readonly handle = (req: RequestWithCallbackSource, res: Response, next: NextFunction): void => {
    const source = this.policy.identify(req);
    if (source.allowed) {
      req.callbackSource = source;
      return next();
    }
    const segment = req.path.split('/').filter(Boolean).pop() ?? '';
    const kind: Kind | 'unknown' = (KINDS as readonly string[]).includes(segment) ? (segment as Kind) : 'unknown';
    this.metrics.callbacks.inc({ kind, outcome: 'REFUSED_SOURCE' });
    this.logger.warn({ kind, source: source.address }, 'callback refused: its source address is not in CALLBACK_ALLOWED_SOURCES');
    res.setHeader('Connection', 'close');
    res.status(403).json(errorBody(403, `callbacks are accepted only from the addresses in CALLBACK_ALLOWED_SOURCES; ${source.address} is not one`));
  };
}
