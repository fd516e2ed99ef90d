import { parse } from 'csv-parse';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Transform } from 'node:stream';

/** One line of the file: a track body to send, or why it cannot be one. */
export type FileLine = { line: number; body: Record<string, unknown> } | { line: number; invalid: string };

/** The track body's fields as the served OpenAPI document declares them: name to JSON type. */
export type TrackFields = ReadonlyMap<string, string>;

/** Stops the command before anything is sent (exit code 2). */
export class ImportStop extends Error {}

/** How far the file was read, for the progress: bytes, and the line last read. */
export interface ReadProgress {
  bytes: number;
  line: number;
}

/**
 * The lines of a CSV file (a header row of track-body fields) or an NDJSON file (one JSON object per line), streamed:
 * memory stays the same whatever the file's size. Line numbers are physical lines (the CSV header is line 1; a CSV
 * record is numbered by the line it ends on). Blank lines are skipped.
 */
export function readTrackFile(path: string, fields: TrackFields, progress: ReadProgress): AsyncIterable<FileLine> {
  const counted = createReadStream(path).pipe(
    new Transform({
      transform(chunk: Buffer, _encoding, done) {
        progress.bytes += chunk.length;
        done(null, chunk);
      },
    }),
  );
  return path.toLowerCase().endsWith('.csv') ? csvLines(counted, fields) : ndjsonLines(counted);
}

/** The format a file name says, or an ImportStop naming the ones read. */
export function checkFormat(path: string): void {
  if (!/\.(csv|ndjson|jsonl)$/i.test(path))
    throw new ImportStop(`${path}: the file must be .csv (a header row of fields) or .ndjson (one JSON object a line)`);
}

async function* ndjsonLines(input: NodeJS.ReadableStream): AsyncIterable<FileLine> {
  let line = 0;
  for await (const text of createInterface({ input, crlfDelay: Infinity })) {
    line += 1;
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      yield { line, invalid: 'not valid JSON' };
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      yield { line, invalid: 'not a JSON object (a track body)' };
    else yield { line, body: value as Record<string, unknown> };
  }
}

async function* csvLines(input: NodeJS.ReadableStream, fields: TrackFields): AsyncIterable<FileLine> {
  const skipped: FileLine[] = [];
  let headerRead = false;
  const parser = input.pipe(
    parse({
      bom: true,
      info: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      columns: (header: string[]) => {
        headerRead = true;
        const unknown = header.filter((name) => !fields.has(name));
        if (unknown.length > 0)
          throw new ImportStop(
            `unknown column(s) ${unknown.map((c) => `"${c}"`).join(', ')}: the columns must be track-body fields (${[...fields.keys()].join(', ')})`,
          );
        if (!header.includes('reference')) throw new ImportStop('the CSV header has no "reference" column');
        return header;
      },
    }),
  );
  let headerError: Error | null = null;
  parser.on('skip', (err: Error & { lines?: number }) => {
    if (!headerRead) headerError ??= err;
    else skipped.push({ line: err.lines ?? 0, invalid: `not a valid CSV record (${err.message})` });
  });
  const checkHeader = () => {
    if (headerError) throw new ImportStop(`the CSV header row cannot be parsed (${headerError.message})`);
  };
  for await (const { record, info } of parser as AsyncIterable<{
    record: Record<string, string>;
    info: { lines: number };
  }>) {
    checkHeader();
    yield* skipped.splice(0);
    yield { line: info.lines, body: typedCells(record, fields) };
  }
  checkHeader();
  yield* skipped.splice(0);
}

/** An empty cell leaves its field out; numbers and booleans are read as the field's type says. */
function typedCells(record: Record<string, string>, fields: TrackFields): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [name, cell] of Object.entries(record)) {
    if (cell === '') continue;
    const type = fields.get(name);
    if ((type === 'integer' || type === 'number') && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(cell))
      body[name] = Number(cell);
    else if (type === 'boolean' && (cell === 'true' || cell === 'false')) body[name] = cell === 'true';
    // Anything else goes as it is, and the service names what is wrong with it.
    else body[name] = cell;
  }
  return body;
}
