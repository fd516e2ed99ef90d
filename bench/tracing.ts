/**
 * Tracing off and on, in the same run: the drain with the ceiling lifted (1 replica, where the service's own CPU is
 * the bound) and the read path (GET /v1/id-verifications/{reference}), each without OTEL_EXPORTER_OTLP_ENDPOINT and
 * with it pointing at an OTLP sink in the bench process (it reads and counts what it is sent, and answers 200).
 * The read loads alternate off, on, off, on, so that a drift of the machine shows.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { runDrain, type DrainResult } from './drain.js';
import { load, type LoadFigure } from './read-path.js';
import { createDatabase, log, rssMb, ServiceProcess, type Server, withClient } from './lib/support.js';
import { growTo, readTargets } from './scale-load.js';

export interface TracingResult {
  setup: string;
  drain: { off: DrainResult; on: DrainResult };
  read: { run: number; tracing: 'off' | 'on'; figure: LoadFigure; rssAfterMb: number }[];
  exported: { requests: number; bytes: number };
  elapsedS: number;
}

/** An OTLP/HTTP endpoint that only counts: POST /v1/traces bodies are read and answered 200. */
async function startOtlpSink(): Promise<{
  url: string;
  counted: { requests: number; bytes: number };
  close(): Promise<void>;
}> {
  const counted = { requests: 0, bytes: 0 };
  const server = http.createServer((req, res) => {
    req.on('data', (chunk: Buffer) => (counted.bytes += chunk.length));
    req.on('end', () => {
      counted.requests++;
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counted,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export async function runTracingComparison(
  server: Server,
  o: {
    drainTransactions: number;
    ratePerSecond: number;
    maxInFlight: number;
    readRows: number;
    readSeconds: number;
    connections: number;
  },
): Promise<TracingResult> {
  const started = Date.now();
  const sink = await startOtlpSink();
  const on = { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_BSP_SCHEDULE_DELAY: '1000' };
  try {
    const drainOptions = {
      transactions: o.drainTransactions,
      replicas: 1,
      ratePerSecond: o.ratePerSecond,
      maxInFlight: o.maxInFlight,
    };
    const off = await runDrain(server, { ...drainOptions, label: 'tracing-off' });
    const traced = await runDrain(server, { ...drainOptions, label: 'tracing-on', env: on });

    const db = await createDatabase(server, 'tracing_read');
    const read: TracingResult['read'] = [];
    try {
      await withClient(db.url, (c) => growTo(c, 0, o.readRows));
      const targets = await withClient(db.url, (c) => readTargets(c, 1000));
      const paths = targets.map((t) => `/v1/${t.kind}/${t.reference}`);
      for (const [run, tracing] of [
        [1, 'off'],
        [1, 'on'],
        [2, 'off'],
        [2, 'on'],
      ] as const) {
        const env = { RECONCILER_ENABLED: 'false', ...(tracing === 'on' ? on : {}) };
        const service = await ServiceProcess.start(db.url, 'http://127.0.0.1:9', env);
        try {
          log(`tracing: read path, tracing ${tracing} (run ${run}), ${o.connections} connections, ${o.readSeconds} s`);
          const figure = await load(service.base, paths, o.connections, o.readSeconds, service.pid);
          read.push({ run, tracing, figure, rssAfterMb: rssMb(service.pid) });
        } finally {
          await service.stop();
        }
      }
    } finally {
      await db.drop();
    }
    return {
      setup:
        `drain with the ceiling lifted (${o.ratePerSecond.toLocaleString('en')}/s, ${o.maxInFlight} in flight), 1 replica, ` +
        `${o.drainTransactions.toLocaleString('en')} transactions, tracing off then on; read path on ${o.readRows.toLocaleString('en')} ` +
        `tracked transactions, autocannon ${o.connections} connections, ${o.readSeconds} s per load, off/on/off/on; ` +
        `tracing on = OTEL_EXPORTER_OTLP_ENDPOINT at an OTLP sink in the bench process (OTLP/HTTP protobuf, batch every 1 s)`,
      drain: { off, on: traced },
      read,
      exported: { ...sink.counted },
      elapsedS: (Date.now() - started) / 1000,
    };
  } finally {
    await sink.close();
  }
}
