import type { DataSource } from 'typeorm';
import { personalValues, servedJson, type Kind } from './personal-values';

/** Where a test application's log lines go (pino writes each line with one call): kept for the checks below. */
export class LogCapture {
  readonly lines: string[] = [];
  constructor(private readonly echo = false) {}

  write(line: string): void {
    this.lines.push(line);
    if (this.echo) process.stdout.write(line);
  }
}

/** The simulator's persona values carry its per-reference tag: `JANE-1A2B3C4D`, `CUSTOMER-1A2B3C4D`, ... */
const PERSONA_VALUE = /\b(?:JANE|DOE|CUSTOMER|MERCHANT|USER|CUSTOM)-[0-9A-Z]{8}\b/;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A value worth searching for: long enough and distinctive enough not to match a log line by chance, and not a
 * UUID (Jumio's references are not personal: the log names them on purpose).
 */
const searchable = (v: unknown): v is string =>
  typeof v === 'string' &&
  v.length >= 6 &&
  /^[\w.@+:/ -]+$/.test(v) &&
  !/^[\d.:+ -]+$/.test(v) &&
  new Set(v).size > 2 &&
  !UUID.test(v);

/**
 * The personal values this database holds or that its transactions' results were built from: every customer and
 * merchant reference a backend sent, and what the simulator served for every transaction with a result (names,
 * document numbers, addresses; see personal-values.ts). Best effort: a transaction the simulator does not answer
 * for (a scripted fault, another simulator) adds its references only.
 */
export async function personalValuesHeld(dataSource: DataSource, simulatorUrl: string, max = 400): Promise<string[]> {
  const rows = (await dataSource.query(
    `SELECT kind, reference::text AS reference, customer_reference, merchant_reference, result IS NOT NULL AS has_result
       FROM tracked_transaction ORDER BY id LIMIT $1`,
    [max],
  )) as {
    kind: Kind;
    reference: string;
    customer_reference: string | null;
    merchant_reference: string | null;
    has_result: boolean;
  }[];
  const values = new Set<string>();
  for (const r of rows) {
    for (const v of [r.customer_reference, r.merchant_reference]) if (searchable(v)) values.add(v);
    if (!r.has_result) continue;
    const served = await servedJson(simulatorUrl, r.kind, r.reference).catch(() => null);
    if (served) for (const v of personalValues(served, r.reference)) if (searchable(v)) values.add(v);
  }
  return [...values];
}

/** The log lines that hold a personal value (one of `values`, or any of the simulator's persona values), with it. */
export function linesWithPersonalValues(
  lines: readonly string[],
  values: readonly string[],
): { line: string; value: string }[] {
  const found: { line: string; value: string }[] = [];
  for (const line of lines) {
    const value = PERSONA_VALUE.exec(line)?.[0] ?? values.find((v) => line.includes(v));
    if (value !== undefined) found.push({ line, value });
  }
  return found;
}
