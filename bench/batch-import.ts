/**
 * Batch tracking (issue 17): the same service tracks references one request at a time (POST /v1/{kind}, a number
 * of requests in flight, as a backend catching up would send them), then a file of references through
 * `npm run import` (the built command, a process of its own, through POST /v1/{kind}/batch), then the same file
 * again (every line already tracked). Items per second and the service's and PostgreSQL's CPU per item, in the
 * same run on the same database.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  BACKEND_KEY,
  cpuMs,
  createDatabase,
  log,
  postgresCpuMs,
  ROOT,
  rssMb,
  ServiceProcess,
  type Server,
} from './lib/support.js';

const IMPORT_MAIN = path.join(ROOT, 'dist', 'src', 'cli', 'track-import.main.js');

export interface TrackingFigure {
  items: number;
  seconds: number;
  itemsPerS: number;
  serviceCpuMsPerItem: number;
  postgresCpuMsPerItem: number;
}

export interface BatchImportResult {
  setup: string;
  single: TrackingFigure & { inFlight: number; non201: number };
  imported: TrackingFigure & { exitCode: number | null; summary: string; importRssMaxMb: number };
  rerun: TrackingFigure & { exitCode: number | null; summary: string; importRssMaxMb: number };
  elapsedS: number;
}

/** Measures `work` on `items` items: wall time and the CPU the service and PostgreSQL spent meanwhile. */
async function measure<T>(
  service: ServiceProcess,
  server: Server,
  items: number,
  work: () => Promise<T>,
): Promise<{ figure: TrackingFigure; value: T }> {
  const [svc0, pg0, t0] = [cpuMs(service.pid), postgresCpuMs(server.postmasterPid), performance.now()];
  const value = await work();
  const seconds = (performance.now() - t0) / 1000;
  const [svc1, pg1] = [cpuMs(service.pid), postgresCpuMs(server.postmasterPid)];
  return {
    figure: {
      items,
      seconds,
      itemsPerS: items / seconds,
      serviceCpuMsPerItem: (svc1 - svc0) / items,
      postgresCpuMsPerItem: (pg1 - pg0) / items,
    },
    value,
  };
}

function runImport(file: string, base: string): Promise<{ code: number | null; summary: string; maxRssMb: number }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [IMPORT_MAIN, '--kind', 'id-verifications', '--file', file, '--url', base], {
      env: { PATH: process.env.PATH ?? '', API_KEY: BACKEND_KEY },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let maxRssMb = 0;
    const sampling = setInterval(() => (maxRssMb = Math.max(maxRssMb, rssMb(child.pid!) || 0)), 250);
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.once('exit', (code) => {
      clearInterval(sampling);
      resolve({ code, summary: out.split('\n').find((l) => l.startsWith('summary:')) ?? out.slice(-500), maxRssMb });
    });
  });
}

export async function runBatchImport(
  server: Server,
  o: { importLines: number; singleItems: number; inFlight: number },
): Promise<BatchImportResult> {
  const started = Date.now();
  const db = await createDatabase(server, 'import');
  // Nothing falls due during the run (a day's grace): what is measured is tracking alone; no Jumio is called.
  const service = await ServiceProcess.start(db.url, 'http://127.0.0.1:9', { CALLBACK_GRACE_SECONDS: '86400' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jf-bench-import-'));
  try {
    let next = 0;
    let non201 = 0;
    const trackOneByOne = async (count: number) => {
      next = 0;
      const worker = async () => {
        while (next < count) {
          next++;
          const res = await fetch(`${service.base}/v1/id-verifications`, {
            method: 'POST',
            headers: { Authorization: `Bearer ${BACKEND_KEY}`, 'Content-Type': 'application/json' },
            body: JSON.stringify({ reference: randomUUID(), merchantReference: `order-${next}` }),
          });
          await res.arrayBuffer();
          if (res.status !== 201) non201++;
        }
      };
      await Promise.all(Array.from({ length: o.inFlight }, worker));
    };
    // The service warmed up first (JIT, pool), so that neither side pays for it.
    await trackOneByOne(500);
    non201 = 0;
    log(`single-item tracking: ${o.singleItems} references, ${o.inFlight} requests in flight`);
    const single = await measure(service, server, o.singleItems, () => trackOneByOne(o.singleItems));

    const file = path.join(dir, 'references.csv');
    const lines = ['reference,merchantReference,customerReference'];
    for (let i = 0; i < o.importLines; i++) lines.push(`${randomUUID()},order-${i},user-${i % 1000}`);
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    log(`npm run import: ${o.importLines} lines (${(fs.statSync(file).size / 1e6).toFixed(1)} MB CSV)`);
    const imported = await measure(service, server, o.importLines, () => runImport(file, service.base));
    log('npm run import again: every line already tracked');
    const rerun = await measure(service, server, o.importLines, () => runImport(file, service.base));
    return {
      setup: `1 service process (a day's grace: nothing falls due), fresh database, warmed up by 500 single requests; single route: ${o.singleItems} POST /v1/id-verifications, ${o.inFlight} in flight; then npm run import of a ${o.importLines}-line CSV (batches of 1,000, 4 in flight), then the same file again`,
      single: { ...single.figure, inFlight: o.inFlight, non201 },
      imported: {
        ...imported.figure,
        exitCode: imported.value.code,
        summary: imported.value.summary,
        importRssMaxMb: imported.value.maxRssMb,
      },
      rerun: {
        ...rerun.figure,
        exitCode: rerun.value.code,
        summary: rerun.value.summary,
        importRssMaxMb: rerun.value.maxRssMb,
      },
      elapsedS: (Date.now() - started) / 1000,
    };
  } finally {
    await service.stop();
    await db.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
