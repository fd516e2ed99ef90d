import { SingleBar } from 'cli-progress';
import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { KINDS, type Kind } from '../common/kinds.js';
import { BatchSender, ImportFailed, ImportTally } from './batch-sender.js';
import { checkFormat, ImportStop, readTrackFile, type ReadProgress, type TrackFields } from './track-file.js';

const USAGE =
  'usage: npm run import -- --kind <kind> --file <path.csv|path.ndjson> [--url <base URL>]   (API_KEY from the environment)';
/** How often a progress line is printed when stdout is not a terminal. */
const PLAIN_PROGRESS_MS = Number(process.env.IMPORT_PROGRESS_INTERVAL_MS ?? 2000);

/**
 * `npm run import`: tracks the references of a file (CSV with a header row of track-body fields, or NDJSON) through
 * POST /v1/{kind}/batch, streaming, with a progress bar (plain lines when not on a terminal) and a summary. Talks to
 * the service over HTTP only. Exit code 0 when every line was tracked or already tracked, 1 when any line was not or
 * the service refused the requests, 2 when it stopped before sending anything (arguments, key, file, columns).
 */
async function main(): Promise<number> {
  let options: { kind: Kind; file: string; url: string; apiKey: string };
  let fields: TrackFields;
  try {
    options = readOptions();
    fields = await trackFields(options.url, options.kind);
  } catch (e) {
    return stop(e);
  }
  const tally = new ImportTally();
  const sender = new BatchSender(`${options.url}/v1/${options.kind}/batch`, options.apiKey, tally);
  const read: ReadProgress = { bytes: 0, line: 0 };
  const progress = new Progress(statSync(options.file).size, read, tally);
  const stopBeforeSending = (e: unknown) => {
    progress.stop(false);
    return stop(e);
  };
  try {
    for await (const entry of readTrackFile(options.file, fields, read)) {
      read.line = entry.line;
      if ('invalid' in entry) {
        tally.lines += 1;
        tally.problem(entry.line, 'invalid', entry.invalid);
      } else await sender.add(entry.line, entry.body);
    }
    await sender.finish();
  } catch (e) {
    // Nothing was sent yet when the file cannot be read at all (its header, its first line).
    if (e instanceof ImportStop) return stopBeforeSending(e);
    if (tally.lines === 0 && read.line === 0 && !(e instanceof ImportFailed))
      return stopBeforeSending(new ImportStop(`${options.file}: cannot be parsed (${(e as Error).message})`));
    await sender.settle();
    progress.stop(true);
    console.error(`import stopped: ${(e as Error).message}`);
    printSummary(tally);
    return 1;
  }
  if (read.line === 0) return stopBeforeSending(new ImportStop(`${options.file}: holds no track bodies`));
  progress.stop(true);
  printSummary(tally);
  return tally.ok ? 0 : 1;
}

function readOptions(): { kind: Kind; file: string; url: string; apiKey: string } {
  let values: { kind?: string; file?: string; url?: string };
  try {
    ({ values } = parseArgs({
      options: { kind: { type: 'string' }, file: { type: 'string' }, url: { type: 'string' } },
      strict: true,
    }));
  } catch (e) {
    throw new ImportStop(`${(e as Error).message}\n${USAGE}`);
  }
  if (!values.kind || !(KINDS as readonly string[]).includes(values.kind))
    throw new ImportStop(`--kind must be one of ${KINDS.join(', ')}\n${USAGE}`);
  if (!values.file) throw new ImportStop(`--file is required\n${USAGE}`);
  checkFormat(values.file);
  let isFile: boolean;
  try {
    isFile = statSync(values.file).isFile();
  } catch {
    throw new ImportStop(`${values.file}: no such file`);
  }
  if (!isFile) throw new ImportStop(`${values.file}: not a file`);
  const url = (values.url ?? 'http://localhost:3000').replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]+/.test(url))
    throw new ImportStop(`--url must be an http(s) base URL, e.g. http://localhost:3000`);
  const apiKey = process.env.API_KEY ?? '';
  if (!apiKey) throw new ImportStop('set API_KEY in the environment to a key with the "transactions" scope');
  return { kind: values.kind as Kind, file: values.file, url, apiKey };
}

/** The track body's fields and their types, from the OpenAPI document the service serves (the batch route's items). */
async function trackFields(url: string, kind: Kind): Promise<TrackFields> {
  type Schema = { $ref?: string; type?: string; items?: Schema; properties?: Record<string, Schema> };
  let doc: {
    paths: Record<string, { post?: { requestBody?: { content: Record<string, { schema: Schema }> } } }>;
    components: { schemas: Record<string, Schema> };
  };
  try {
    const res = await fetch(`${url}/docs/openapi.json`);
    if (!res.ok) throw new Error(`answered ${res.status}`);
    doc = (await res.json()) as typeof doc;
  } catch (e) {
    throw new ImportStop(
      `cannot read the service's API document at ${url}/docs/openapi.json (${(e as Error).message})`,
    );
  }
  const resolve = (s: Schema | undefined): Schema | undefined =>
    s?.$ref ? doc.components.schemas[s.$ref.split('/').pop()!] : s;
  const batch = resolve(doc.paths[`/v1/${kind}/batch`]?.post?.requestBody?.content['application/json']?.schema);
  const item = resolve(batch?.properties?.items?.items);
  if (!item?.properties) throw new ImportStop(`the service at ${url} has no POST /v1/${kind}/batch`);
  return new Map(Object.entries(item.properties).map(([name, s]) => [name, s.type ?? 'string']));
}

/** A bar with rate and ETA on a terminal; a plain line every PLAIN_PROGRESS_MS otherwise. */
class Progress {
  private readonly bar: SingleBar | null = null;
  private barStarted = false;
  private readonly timer: NodeJS.Timeout;
  private readonly started = Date.now();
  private finished = false;

  constructor(
    private readonly total: number,
    private readonly read: ReadProgress,
    private readonly tally: ImportTally,
  ) {
    if (process.stdout.isTTY)
      this.bar = new SingleBar({
        format: 'importing [{bar}] {percentage}% | {lines} lines | {rate} lines/s | ETA {eta_formatted}',
        etaBuffer: 50,
      });
    this.timer = setInterval(() => this.tick(), this.bar ? 200 : PLAIN_PROGRESS_MS);
    this.timer.unref();
  }

  /** Nothing shows before the first line is read: a file refused at its header prints only its refusal. */
  private tick(): void {
    if (this.read.line === 0) return;
    if (!this.bar) return console.log(this.line());
    if (!this.barStarted) this.bar.start(Math.max(this.total, 1), 0, { lines: 0, rate: 0 });
    this.barStarted = true;
    this.bar.update(this.done() * this.total, this.values());
  }

  /** Stops the bar or the lines, with a last update when `report`. */
  stop(report: boolean): void {
    clearInterval(this.timer);
    this.finished = report;
    if (report) this.tick();
    if (this.barStarted) this.bar!.stop();
  }

  /** The share of the file answered: the share read, scaled by the lines answered of those read. */
  private done(): number {
    if (this.finished) return 1;
    const read = this.read.bytes / Math.max(this.total, 1);
    return Math.min(read * Math.min(this.tally.lines / Math.max(this.read.line, 1), 1), 1);
  }

  private values() {
    const seconds = Math.max((Date.now() - this.started) / 1000, 0.001);
    return { lines: this.tally.lines, rate: Math.round(this.tally.lines / seconds) };
  }

  private line(): string {
    const { lines, rate } = this.values();
    const share = this.done();
    const left = share > 0 && rate > 0 ? Math.round(((Date.now() - this.started) / 1000) * (1 / share - 1)) : null;
    return `progress: ${lines} lines, ${Math.floor(share * 100)}% of the file, ${rate} lines/s${left === null ? '' : `, about ${left} s left`}`;
  }
}

function printSummary(t: ImportTally): void {
  console.log(
    `summary: ${t.lines} lines: ${t.created} created, ${t.alreadyTracked} already tracked, ${t.conflicts} conflicts, ${t.invalid} invalid`,
  );
  for (const p of t.problems) console.log(`line ${p.line}: ${p.kind}: ${p.reason}`);
  const unlisted = t.invalid + t.conflicts - t.problems.length;
  if (unlisted > 0) console.log(`... and ${unlisted} more lines not listed`);
}

function stop(e: unknown): number {
  console.error(`import: ${(e as Error).message}`);
  return 2;
}

main().then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    console.error(`import failed: ${(e as Error).message}`);
    process.exitCode = 1;
  },
);
