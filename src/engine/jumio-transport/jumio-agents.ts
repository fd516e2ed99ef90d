import type { ClientRequest } from 'node:http';
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { AgentConnectOpts } from 'agent-base';
import { HttpProxyAgent } from 'http-proxy-agent';
import { HttpsProxyAgent } from 'https-proxy-agent';
import ipaddr from 'ipaddr.js';
import type { EgressProxy } from '../../config/app-config.js';

/** Extra certificate authorities to trust for Jumio's hosts (a test rig's); null: Node's own roots. */
export const JUMIO_TLS_CA = Symbol('JUMIO_TLS_CA');
export type JumioTlsCa = string | Buffer | null;

/** The error a tunnel that was not set up ends with: the proxy refused it, or went away before answering. */
export class ProxyTunnelError extends Error {
  constructor(
    readonly code: 'ERR_PROXY_REFUSED' | 'ERR_PROXY_TUNNEL',
    message: string,
  ) {
    super(message);
    this.name = 'ProxyTunnelError';
  }
}

type TargetTls = { minVersion: 'TLSv1.2'; rejectUnauthorized: true; ca?: string | Buffer };

/**
 * A CONNECT tunnel whose refusal is an error. https-proxy-agent hands a refused CONNECT's answer (403, 407, 502)
 * to the request as if the server had sent it, which would read as Jumio's own answer (a 403 on a status call is a
 * rejected credential); here it fails the connection instead, naming the proxy's status, never its URL. The TLS
 * options are Jumio's end of the tunnel (the agent's own options would apply to the proxy connection only).
 */
class JumioTunnelAgent extends HttpsProxyAgent<string> {
  constructor(
    proxy: string,
    keepAlive: boolean,
    private readonly targetTls: TargetTls,
  ) {
    super(proxy, { keepAlive });
  }

  async connect(req: ClientRequest, requested: AgentConnectOpts): Promise<Socket> {
    const opts = { ...requested, ...this.targetTls } as AgentConnectOpts;
    let refusedWith: number | null = null;
    req.once('proxyConnect', (connect: { statusCode: number }) => {
      if (connect.statusCode !== 200) refusedWith = connect.statusCode;
    });
    let socket: Socket;
    try {
      socket = await super.connect(req, opts);
    } catch (e) {
      // The proxy itself refused the connection or is unknown: keep Node's code (ECONNREFUSED, ENOTFOUND).
      if (typeof (e as { code?: unknown }).code === 'string') throw e;
      throw new ProxyTunnelError('ERR_PROXY_TUNNEL', 'the proxy closed the connection before the tunnel was up');
    }
    if (refusedWith !== null) {
      socket.destroy();
      throw new ProxyTunnelError('ERR_PROXY_REFUSED', `the proxy refused the tunnel (HTTP ${refusedWith})`);
    }
    return socket;
  }
}

/**
 * The connection agents of calls to Jumio, one pooled (keep-alive) and one for fresh connections per origin:
 * direct, or through the egress proxy (HTTPS_PROXY: a CONNECT tunnel with TLS to Jumio end to end; HTTP_PROXY for
 * http:// test rigs), as `proxyFor` decides from NO_PROXY. TLS 1.2 or later, certificates verified.
 */
export class JumioAgents {
  private readonly agents = new Map<string, http.Agent>();

  constructor(
    private readonly proxy: EgressProxy,
    private readonly ca: JumioTlsCa,
  ) {}

  /** The agent for `url`: pooled, or one that opens a fresh connection for every request. */
  forUrl(url: URL, fresh = false): http.Agent {
    const key = `${url.protocol}//${url.host}${fresh ? ' fresh' : ''}`;
    let agent = this.agents.get(key);
    if (!agent) {
      agent = this.create(url, !fresh);
      this.agents.set(key, agent);
    }
    return agent;
  }

  /** Whether calls to `url` go through a proxy (for the start-up line; never the proxy's credentials). */
  viaProxy(url: URL): boolean {
    return proxyFor(url, this.proxy) !== null;
  }

  destroy(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }

  private create(url: URL, keepAlive: boolean): http.Agent {
    const tlsOptions: TargetTls = {
      minVersion: 'TLSv1.2',
      rejectUnauthorized: true,
      ...(this.ca ? { ca: this.ca } : {}),
    };
    const proxy = proxyFor(url, this.proxy);
    if (url.protocol === 'https:') {
      return proxy
        ? new JumioTunnelAgent(proxy.href, keepAlive, tlsOptions)
        : new https.Agent({ keepAlive, ...tlsOptions });
    }
    return proxy ? new HttpProxyAgent(proxy.href, { keepAlive }) : new http.Agent({ keepAlive });
  }
}

/**
 * The proxy for `url`, or null for a direct connection, as curl decides: HTTPS_PROXY for https://, HTTP_PROXY for
 * http://, none when NO_PROXY matches the host. NO_PROXY entries: `*` (every host), a host name (itself and its
 * subdomains; a leading `.` or `*.` is the same), an IP address or CIDR range, each optionally with `:port`.
 * proxy-from-env implements the same reading but only of process.env, while this one reads the validated
 * configuration.
 */
export function proxyFor(url: URL, proxy: EgressProxy): URL | null {
  const chosen = url.protocol === 'https:' ? proxy.https : url.protocol === 'http:' ? proxy.http : null;
  if (!chosen) return null;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return proxy.noProxy.some((entry) => noProxyMatches(entry, host, port)) ? null : chosen;
}

function noProxyMatches(entry: string, host: string, port: string): boolean {
  if (entry === '*') return true;
  let pattern = entry;
  const portMatch = /^(.*[^:]):(\d+)$/.exec(pattern);
  if (portMatch && !(pattern.includes('::') || pattern.split(':').length > 2)) {
    if (portMatch[2] !== port) return false;
    pattern = portMatch[1];
  }
  pattern = pattern.replace(/^\[|\]$/g, '');
  if (ipaddr.isValid(host)) {
    const address = ipaddr.process(host);
    try {
      const [range, bits] = pattern.includes('/')
        ? ipaddr.parseCIDR(pattern)
        : [ipaddr.process(pattern), address.kind() === 'ipv4' ? 32 : 128];
      const net =
        range.kind() === 'ipv6' && (range as ipaddr.IPv6).isIPv4MappedAddress()
          ? (range as ipaddr.IPv6).toIPv4Address()
          : range;
      return net.kind() === address.kind() && address.match(net, bits);
    } catch {
      return false;
    }
  }
  const domain = pattern.replace(/^\*?\./, '');
  return host === domain || host.endsWith(`.${domain}`);
}
