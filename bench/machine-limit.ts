/**
 * Benchmark 2's reference: the simulator alone, driven by a bare HTTP client (node:http with a keep-alive agent),
 * with the drain's call mix (status, data, images list per transaction, one after the other) and concurrency
 * (as many transactions in flight as the service's JUMIO_MAX_IN_FLIGHT). What this machine can do with no
 * engine in between.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import { cpuMs, JUMIO_SECRET, JUMIO_TOKEN, log, SimulatorProcess, USER_AGENT } from './lib/support.js';

export interface MachineLimitResult {
  setup: string;
  transactions: number;
  calls: number;
  seconds: number;
  callsPerS: number;
  transactionsPerS: number;
  simulatorCpuMsPerCall: number;
  clientCpuMsPerCall: number;
  errors: number;
  elapsedS: number;
}

export async function runMachineLimit(transactions: number, concurrency: number): Promise<MachineLimitResult> {
  const started = Date.now();
  const sim = await SimulatorProcess.start();
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const { hostname, port } = new URL(sim.url);
  const headers = {
    Authorization: `Basic ${Buffer.from(`${JUMIO_TOKEN}:${JUMIO_SECRET}`).toString('base64')}`,
    'User-Agent': USER_AGENT,
    Accept: 'application/json',
  };
  let errors = 0;
  const get = (path: string) =>
    new Promise<void>((resolve) => {
      const req = http.get({ host: hostname, port: Number(port), path, agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          if (res.statusCode !== 200) errors++;
          else JSON.parse(Buffer.concat(chunks).toString('utf8')); // the service parses every answer too
          resolve();
        });
      });
      req.on('error', () => {
        errors++;
        resolve();
      });
    });
  const reference = (i: number) => {
    const h = createHash('md5').update(`machine-limit-${started}-${i}`).digest('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 31)}a`;
  };
  const runOne = async (i: number) => {
    const base = `/api/netverify/v2/scans/${reference(i)}`;
    await get(base);
    await get(`${base}/data`);
    await get(`${base}/images`);
  };
  try {
    // Warm-up: a few hundred calls so both sides have compiled their hot paths (the service drain gets the same).
    let next = 0;
    const pump = async (until: number) => {
      while (next < until) await runOne(next++);
    };
    await Promise.all(Array.from({ length: concurrency }, () => pump(200)));
    const warm = next;
    const sim0 = cpuMs(sim.pid);
    const me0 = process.cpuUsage();
    const t0 = performance.now();
    await Promise.all(Array.from({ length: concurrency }, () => pump(warm + transactions)));
    const seconds = (performance.now() - t0) / 1000;
    const sim1 = cpuMs(sim.pid);
    const me = process.cpuUsage(me0);
    const calls = transactions * 3;
    log(`machine limit: ${calls} calls in ${seconds.toFixed(1)} s`);
    return {
      setup:
        `the simulator process alone, driven by a bare node:http client (keep-alive agent, maxSockets ${concurrency}) in the bench process: ` +
        `${transactions.toLocaleString('en')} transactions x (status, data, images list) one after the other, ${concurrency} transactions in flight, ` +
        `references ending in "a" (the drain's mix), every answer read and JSON.parse'd`,
      transactions,
      calls,
      seconds,
      callsPerS: calls / seconds,
      transactionsPerS: transactions / seconds,
      simulatorCpuMsPerCall: (sim1 - sim0) / calls,
      clientCpuMsPerCall: (me.user + me.system) / 1000 / calls,
      errors,
      elapsedS: (Date.now() - started) / 1000,
    };
  } finally {
    agent.destroy();
    await sim.stop();
  }
}
