import { Inject, Injectable, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { IncomingMessage } from 'node:http';
import ipaddr from 'ipaddr.js';
import proxyaddr from 'proxy-addr';
import { JUMIO_CALLBACK_SOURCES, type AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { callbackKindOf, isCallbackRequest, NOT_A_FORM } from '../../http/callback-requests.js';
import { errorBody } from '../../http/http-exception.filter.js';
import { EngineMetrics } from '../../engine/metrics/engine-metrics.js';
import { DATACENTERS, type Datacenter } from '../../common/kinds.js';

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
    this.published = DATACENTERS.map((datacenter) => ({
      datacenter,
      ranges: JUMIO_CALLBACK_SOURCES[datacenter].map(toRange),
    }));
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

/** The sender CallbackSourceGate let through, for the callback route (CallbackDeliveryReader). */
export type RequestWithCallbackSource = FastifyRequest & { callbackSource?: CallbackSource };

/** Fastify's test of a Content-Type (lib/content-type.js): `type/subtype` as tokens; parameters are not judged. */
function isMediaTypeSyntax(value: string): boolean {
  const mediaType = value.split(';', 1)[0];
  const slash = mediaType.indexOf('/');
  return (
    slash !== -1 &&
    /^[\w!#$%&'*+.^`|~-]+$/.test(mediaType.slice(0, slash).trimStart()) &&
    /^[\w!#$%&'*+.^`|~-]+\s*$/.test(mediaType.slice(slash + 1).trimEnd())
  );
}

/**
 * An onRequest hook for /callbacks, which runs before the body is read: a sender outside the allowlist is
 * answered 403 before a byte of its body is read, and is logged with its address only.
 */
@Injectable()
export class CallbackSourceGate {
  private readonly logger = new Logger(CallbackSourceGate.name);

  constructor(
    private readonly policy: CallbackSourcePolicy,
    private readonly metrics: EngineMetrics,
  ) {}

  readonly onRequest = (
    request: RequestWithCallbackSource,
    reply: FastifyReply,
    done: HookHandlerDoneFunction,
  ): void => {
    if (!isCallbackRequest(request)) return done();
    const source = this.policy.identify(request.raw);
    if (source.allowed) {
      // Fastify refuses a Content-Type that is no media type at all (415) before any parser or route runs; for a
      // callback that is a body that is not Jumio's form: the receiver's 400, counted as INVALID, like any other.
      const type = request.headers['content-type'];
      if (type && !isMediaTypeSyntax(type)) {
        this.metrics.callbacks.inc({ kind: callbackKindOf(request), outcome: 'INVALID' });
        reply.code(400).send(errorBody(400, NOT_A_FORM));
        return;
      }
      request.callbackSource = source;
      return done();
    }
    const kind = callbackKindOf(request);
    this.metrics.callbacks.inc({ kind, outcome: 'REFUSED_SOURCE' });
    this.logger.warn(
      { kind, source: source.address },
      'callback refused: its source address is not in CALLBACK_ALLOWED_SOURCES',
    );
    // Answered without calling done(): the request goes no further, and its body is never read.
    reply
      .header('Connection', 'close')
      .code(403)
      .send(
        errorBody(
          403,
          `callbacks are accepted only from the addresses in CALLBACK_ALLOWED_SOURCES; ${source.address} is not one`,
        ),
      );
  };
}
