import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { JumioSimulator } from '../../src/simulator/jumio-simulator.js';

export const TOKEN = 'test-token';
export const SECRET = 'test-secret';
export const UA = 'Simulator Tests/1.0';
export const PREFIX = '/api/netverify/v2';

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text: string;
  json: () => any;
}

export interface GetOptions {
  /** [user, password]; null sends no Authorization header. Default the simulator's credentials. */
  auth?: [string, string] | null;
  /** null sends no User-Agent (node:http adds none of its own). */
  userAgent?: string | null;
  /** null sends no Accept. */
  accept?: string | null;
  method?: string;
  body?: string;
  headers?: Record<string, string>;
}

/** A raw HTTP request with full control over headers (fetch would add its own User-Agent and Accept). */
export function request(url: string, opts: GetOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  const auth = opts.auth === undefined ? [TOKEN, SECRET] : opts.auth;
  if (auth) headers.Authorization = `Basic ${Buffer.from(`${auth[0]}:${auth[1]}`).toString('base64')}`;
  const ua = opts.userAgent === undefined ? UA : opts.userAgent;
  if (ua !== null) headers['User-Agent'] = ua;
  const accept = opts.accept === undefined ? 'application/json' : opts.accept;
  if (accept !== null) headers.Accept = accept;
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    headers['Content-Length'] = String(Buffer.byteLength(opts.body));
  }
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'GET', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        const text = body.toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text, json: () => JSON.parse(text) });
      });
    });
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

export function jumio(sim: JumioSimulator, path: string, opts: GetOptions = {}): Promise<Reply> {
  return request(`${sim.url}${PREFIX}${path}`, opts);
}

export function startSimulator(): Promise<JumioSimulator> {
  return JumioSimulator.start({ host: '127.0.0.1', port: 0, apiToken: TOKEN, apiSecret: SECRET });
}

/** A fresh UUID whose last hex digit is `last` (the deterministic table keys on it). */
export function uuidEndingIn(last: string): string {
  return randomUUID().slice(0, -1) + last;
}

/** A fresh UUID outside the special digits, for scripted transactions. */
export function ref(): string {
  return uuidEndingIn('0');
}

/** Polls status until it is no longer pending; returns the answers seen. */
export async function pollUntilFinal(sim: JumioSimulator, path: string, max = 10): Promise<string[]> {
  const seen: string[] = [];
  for (let i = 0; i < max; i++) {
    const r = await jumio(sim, path);
    const body = r.status === 200 ? r.json() : null;
    const status = r.status !== 200 ? String(r.status) : (body.status ?? body.transactionResult);
    seen.push(status);
    if (status !== 'PENDING' && status !== 'STARTED') break;
  }
  return seen;
}

export function isJpeg(b: Buffer): boolean {
  return b.length > 4 && b[0] === 0xff && b[1] === 0xd8 && b[b.length - 2] === 0xff && b[b.length - 1] === 0xd9;
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function isPng(b: Buffer): boolean {
  return b.subarray(0, 8).equals(PNG_SIGNATURE);
}
