import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { useProcessRig } from '../support/process-rig';
import { ServiceProcess } from '../support/service-process';
import { BACKEND_KEY } from '../support/test-app';

const IMPORT = path.join(__dirname, '..', '..', 'dist', 'src', 'cli', 'track-import.main.js');

/** `npm run import` as a process of its own, against the built service as a process; stdout is not a terminal. */
function runImport(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [IMPORT, ...args], {
      env: { PATH: process.env.PATH ?? '', API_KEY: BACKEND_KEY, IMPORT_PROGRESS_INTERVAL_MS: '50', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let [stdout, stderr] = ['', ''];
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run import', () => {
  const rig = useProcessRig();
  let service: ServiceProcess;
  let dir: string;

  beforeAll(async () => {
    service = await ServiceProcess.start(rig.databaseUrl, rig.simulatorUrl, { CALLBACK_GRACE_SECONDS: '86400' });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jf-import-'));
  }, 90_000);
  afterAll(async () => {
    service.kill('SIGTERM');
    await service.exited;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const file = (name: string, text: string) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, text);
    return p;
  };
  const tracked = async (reference: string) =>
    (await service.request('GET', `/v1/id-verifications/${reference}`)).status === 200;

  it('imports a 10,000-line CSV with 3 bad lines, reports them by line number, and a rerun as already tracked', async () => {
    const references = Array.from({ length: 9999 }, () => randomUUID());
    const rows = references.map((r, i) => `${r},order-${i},,${i % 2 ? 600 : ''},${i % 3 ? 'EU' : ''}`);
    // Lines count from the header (line 1): the record at index i is on line i + 2.
    rows[15] = 'not-a-uuid,order-15,,,'; // line 17
    rows[4998] = `${references[4998]},order-4998,,90000,`; // line 5000
    rows[8998] = `${references[8998]},too,many,cells,EU,here`; // line 9000
    const csv = file(
      'references.csv',
      `reference,merchantReference,customerReference,callbackGraceSeconds,datacenter\n${rows.join('\n')}\n`,
    );
    expect(csv && fs.readFileSync(csv, 'utf8').split('\n').length - 1).toBe(10_000);

    const first = await runImport(['--kind', 'id-verifications', '--file', csv, '--url', service.base]);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(1);
    expect(first.stdout).toMatch(/^progress: \d+ lines, \d+% of the file, \d+ lines\/s/m);
    expect(first.stdout).toContain('summary: 9999 lines: 9996 created, 0 already tracked, 0 conflicts, 3 invalid');
    const problems = first.stdout.split('\n').filter((l) => l.startsWith('line '));
    expect(problems.map((l) => l.split(':')[0]).sort()).toEqual(['line 17', 'line 5000', 'line 9000']);
    expect(problems).toContainEqual(
      "line 17: invalid: reference must be a UUID (Jumio's scanReference or transactionReference)",
    );
    expect(problems).toContainEqual('line 5000: invalid: callbackGraceSeconds must be at most 86400');
    expect(problems.find((l) => l.startsWith('line 9000'))).toMatch(/^line 9000: invalid: not a valid CSV record/);
    expect(await tracked(references[0])).toBe(true);
    expect(await tracked(references[9998])).toBe(true);
    expect(await tracked(references[4998])).toBe(false);
    // Cells were read as the field's type: a number for the grace, an empty cell left out (the default).
    const view = (await service.request('GET', `/v1/id-verifications/${references[1]}`)).body;
    expect(view).toMatchObject({ merchantReference: 'order-1', customerReference: null, datacenter: 'EU' });

    const again = await runImport(['--kind', 'id-verifications', '--file', csv, '--url', service.base]);
    expect(again.code).toBe(1);
    expect(again.stdout).toContain('summary: 9999 lines: 0 created, 9996 already tracked, 0 conflicts, 3 invalid');
  }, 120_000);

  it('imports NDJSON, exits 0 when every line was tracked or already tracked, and reports conflicts', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const ndjson = file('ok.ndjson', `{"reference":"${a}","merchantReference":"m-a"}\n\n{"reference":"${b}"}\n`);
    const ok = await runImport(['--kind', 'id-verifications', '--file', ndjson, '--url', service.base]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('summary: 2 lines: 2 created, 0 already tracked, 0 conflicts, 0 invalid');
    const rerun = await runImport(['--kind', 'id-verifications', '--file', ndjson, '--url', service.base]);
    expect(rerun.code).toBe(0);
    expect(rerun.stdout).toContain('summary: 2 lines: 0 created, 2 already tracked, 0 conflicts, 0 invalid');

    const mixed = file(
      'mixed.ndjson',
      [
        `{"reference":"${a}","merchantReference":"m-other"}`,
        '{not json',
        '[1]',
        `{"reference":"${randomUUID()}","color":1}`,
      ].join('\n'),
    );
    const res = await runImport(['--kind', 'id-verifications', '--file', mixed, '--url', service.base]);
    expect(res.code).toBe(1);
    expect(res.stdout).toContain('summary: 4 lines: 0 created, 0 already tracked, 1 conflicts, 3 invalid');
    expect(res.stdout).toContain(
      "line 1: conflict: merchantReference differs from the tracked transaction's (the reference is already tracked with another merchantReference)",
    );
    expect(res.stdout).toContain('line 2: invalid: not valid JSON');
    expect(res.stdout).toContain('line 3: invalid: not a JSON object (a track body)');
    expect(res.stdout).toContain('line 4: invalid: property color should not exist');
  }, 60_000);

  it('stops with exit code 1 and says why when the service refuses the key', async () => {
    const reference = randomUUID();
    const ndjson = file('refused.ndjson', `{"reference":"${reference}"}\n`);
    const res = await runImport(['--kind', 'id-verifications', '--file', ndjson, '--url', service.base], {
      API_KEY: 'not-a-key',
    });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`${service.base}/v1/id-verifications/batch answered 401`);
    expect(res.stderr).not.toContain('not-a-key');
    expect(res.stdout).toContain('summary: 0 lines: 0 created');
    expect(await tracked(reference)).toBe(false);
  }, 30_000);

  it('stopped by a refused batch, it still counts the answers to the batches already out before its summary', async () => {
    // In front of the service: the first batch to arrive is refused after 0.5 s (by then the file's next three batches
    // are out), the others are passed on after 1.5 s.
    let refused = false;
    const front = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        if (req.method === 'POST' && !refused) {
          refused = true;
          return setTimeout(() => {
            res.writeHead(400, { 'Content-Type': 'application/json' });
            res.end(JSON.stringify({ statusCode: 400, message: ['refused by the test'] }));
          }, 500);
        }
        const pass = () =>
          fetch(`${service.base}${req.url}`, {
            method: req.method,
            headers: { Authorization: req.headers.authorization ?? '', 'Content-Type': 'application/json' },
            body: req.method === 'POST' ? body : undefined,
          }).then(async (r) => {
            res.writeHead(r.status, { 'Content-Type': r.headers.get('content-type') ?? 'application/json' });
            res.end(Buffer.from(await r.arrayBuffer()));
          });
        setTimeout(() => void pass(), req.method === 'POST' ? 1500 : 0);
      });
    });
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
    try {
      const { port } = front.address() as AddressInfo;
      // 4,500 lines: four batches of 1,000 go out at once (the most in flight), the last 500 wait for the first answer.
      const references = Array.from({ length: 4500 }, () => randomUUID());
      const ndjson = file('stopped.ndjson', references.map((r) => `{"reference":"${r}"}`).join('\n'));
      const res = await runImport([
        '--kind',
        'id-verifications',
        '--file',
        ndjson,
        '--url',
        `http://127.0.0.1:${port}`,
      ]);
      expect(res.code).toBe(1);
      expect(res.stderr).toContain('answered 400: refused by the test');
      expect(res.stdout).toContain('summary: 3000 lines: 3000 created, 0 already tracked, 0 conflicts, 0 invalid');
      let created = 0;
      for (let i = 0; i < 4000; i += 100)
        created += (await Promise.all(references.slice(i, i + 100).map(tracked))).filter(Boolean).length;
      expect(created).toBe(3000);
      expect(await tracked(references[4499])).toBe(false);
    } finally {
      await new Promise((r) => front.close(r));
    }
  }, 60_000);

  it('stops with exit code 2 before sending anything: unknown column, missing file, no key, bad arguments', async () => {
    const reference = randomUUID();
    const unknownColumn = file('unknown.csv', `reference,colour\n${reference},red\n`);
    const res = await runImport(['--kind', 'id-verifications', '--file', unknownColumn, '--url', service.base]);
    expect(res.code).toBe(2);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toContain('unknown column(s) "colour"');
    expect(res.stderr).toContain('reference, acquiredAt, datacenter, account');
    expect(await tracked(reference)).toBe(false);

    const cases: [string[], Record<string, string>, string][] = [
      [['--kind', 'id-verifications', '--file', path.join(dir, 'nope.csv')], {}, 'nope.csv: no such file'],
      [['--kind', 'id-verifications', '--file', unknownColumn], { API_KEY: '' }, 'set API_KEY in the environment'],
      [['--kind', 'passports', '--file', unknownColumn], {}, '--kind must be one of id-verifications'],
      [['--kind', 'id-verifications', '--file', file('refs.txt', 'x')], {}, 'must be .csv'],
      [['--kind', 'id-verifications', '--file', unknownColumn, '--key', 'x'], {}, "Unknown option '--key'"],
      [['--kind', 'id-verifications', '--file', file('empty.ndjson', '')], {}, 'empty.ndjson: holds no track bodies'],
      [
        ['--kind', 'id-verifications', '--file', file('broken.csv', '"reference\n')],
        {},
        'the CSV header row cannot be parsed',
      ],
      [
        ['--kind', 'id-verifications', '--file', file('noref.csv', 'merchantReference\nx\n')],
        {},
        'no "reference" column',
      ],
    ];
    for (const [args, env, message] of cases) {
      const out = await runImport([...args, '--url', service.base], env);
      expect({ args, code: out.code }).toEqual({ args, code: 2 });
      expect(out.stderr).toContain(message);
      expect(out.stdout).toBe('');
    }
  }, 60_000);
});
