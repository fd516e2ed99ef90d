/**
 * Benchmark 4: `GET /v1/id-verifications/{reference}` under load (autocannon, in the bench process) against the
 * service, then against a bare node:http + pg handler doing the same lookup (bare-read-server.ts), on the same
 * database in the same run. Each request asks for one of `targets` (RETRIEVED, with a result and three media),
 * round robin per connection.
 */
import autocannon from 'autocannon';
import { BACKEND_KEY, cpuMs, log, ServiceProcess, startBenchProcess } from './lib/support.js';

export interface LoadFigure {
  requestsPerS: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  requests: number;
  non2xx: number;
  errors: number;
  cpuMsPerRequest: number;
  statusCodes: Record<string, number>;
}

export interface ReadPathResult {
  setup: string;
  service: LoadFigure;
  bare: LoadFigure;
  /** The same, at a fixed FIXED_RATE req/s (latency without the queueing that 50 closed-loop connections cause). */
  serviceAtFixedRate: LoadFigure;
  bareAtFixedRate: LoadFigure;
  fixedRate: number;
  throughputRatio: number;
  sameBody: boolean;
  serviceBody: unknown;
  bareBody: unknown;
  elapsedS: number;
}

export async function load(
  base: string,
  paths: string[],
  connections: number,
  seconds: number,
  pid: number,
  overallRate?: number,
): Promise<LoadFigure> {
  const run = (duration: number) => {
    let i = 0;
    return autocannon({
      url: base,
      connections,
      duration,
      ...(overallRate ? { overallRate } : {}),
      headers: { authorization: `Bearer ${BACKEND_KEY}`, accept: 'application/json' },
      requests: [
        {
          method: 'GET',
          setupRequest: (req: Record<string, unknown>) => ({ ...req, path: paths[i++ % paths.length] }),
        },
      ],
    });
  };
  await run(Math.max(1, Math.round(seconds / 4))); // warm-up, not counted
  const cpu0 = cpuMs(pid);
  const r = await run(seconds);
  const cpu = cpuMs(pid) - cpu0;
  return {
    requestsPerS: r.requests.average,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    maxMs: r.latency.max,
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    cpuMsPerRequest: cpu / Math.max(1, r.requests.total),
    statusCodes: Object.fromEntries(Object.entries(r.statusCodeStats ?? {}).map(([k, v]) => [k, v.count])),
  };
}

async function body(base: string, path: string): Promise<unknown> {
  const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${BACKEND_KEY}` } });
  return res.json();
}

export const FIXED_RATE = 100;

export async function runReadPath(
  databaseUrl: string,
  rows: number,
  targets: { kind: string; reference: string }[],
  connections: number,
  seconds: number,
  cpuProfileDir?: string,
): Promise<ReadPathResult> {
  const started = Date.now();
  const paths = targets.map((t) => `/v1/${t.kind}/${t.reference}`);
  // Jumio is never called on a read; the reconciler is off so that only the read path runs.
  const nodeArgs = cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`] : [];
  const service = await ServiceProcess.start(
    databaseUrl,
    'http://127.0.0.1:9',
    { RECONCILER_ENABLED: 'false' },
    nodeArgs,
  );
  let serviceFigure: LoadFigure;
  let serviceFixed: LoadFigure;
  let serviceBody: unknown;
  try {
    serviceBody = await body(service.base, paths[0]);
    log(`read path: service (pid ${service.pid}), ${connections} connections, ${seconds} s`);
    serviceFigure = await load(service.base, paths, connections, seconds, service.pid);
    serviceFixed = await load(service.base, paths, 10, Math.max(3, Math.round(seconds / 2)), service.pid, FIXED_RATE);
  } finally {
    await service.stop();
  }
  const bare = await startBenchProcess('bare-read-server.js', { DATABASE_URL: databaseUrl, BEARER: BACKEND_KEY });
  let bareFigure: LoadFigure;
  let bareFixed: LoadFigure;
  let bareBody: unknown;
  try {
    const base = `http://127.0.0.1:${bare.port}`;
    bareBody = await body(base, paths[0]);
    log(`read path: bare handler (pid ${bare.child.pid}), ${connections} connections, ${seconds} s`);
    bareFigure = await load(base, paths, connections, seconds, bare.child.pid!);
    bareFixed = await load(base, paths, 10, Math.max(3, Math.round(seconds / 2)), bare.child.pid!, FIXED_RATE);
  } finally {
    await bare.stop();
  }
  return {
    setup:
      `${rows.toLocaleString('en')} tracked transactions (the scale load); autocannon ${connections} connections, ${seconds} s ` +
      `(after a ${Math.max(1, Math.round(seconds / 4))} s warm-up), round robin over ${targets.length} RETRIEVED ID Verification references ` +
      `with a result and 3 media; service: 1 process, NODE_ENV=production, LOG_LEVEL=warn, RECONCILER_ENABLED=false; bare: node:http + pg ` +
      `(pool 20, like the service), the same single SELECT of the row and its media, same view JSON; load generator in the bench process on the same 2 cores; ` +
      `then each again at a fixed ${FIXED_RATE} req/s (autocannon overallRate, 10 connections, ${Math.max(3, Math.round(seconds / 2))} s) for latency without queueing`,
    service: serviceFigure,
    bare: bareFigure,
    serviceAtFixedRate: serviceFixed,
    bareAtFixedRate: bareFixed,
    fixedRate: FIXED_RATE,
    throughputRatio: serviceFigure.requestsPerS / bareFigure.requestsPerS,
    sameBody: JSON.stringify(serviceBody) === JSON.stringify(bareBody),
    serviceBody,
    bareBody,
    elapsedS: (Date.now() - started) / 1000,
  };
}
