/** What the service answered for the lines of a file, as counts and the first few problems by line number. */
export class ImportTally {
  created = 0;
  alreadyTracked = 0;
  conflicts = 0;
  invalid = 0;
  /** The first MAX_LISTED problems (more would not keep memory constant on a file of bad lines). */
  readonly problems: { line: number; kind: 'invalid' | 'conflict'; reason: string }[] = [];
  lines = 0;

  static readonly MAX_LISTED = 1000;

  problem(line: number, kind: 'invalid' | 'conflict', reason: string): void {
    if (kind === 'invalid') this.invalid += 1;
    else this.conflicts += 1;
    if (this.problems.length < ImportTally.MAX_LISTED) this.problems.push({ line, kind, reason });
  }

  get ok(): boolean {
    return this.invalid === 0 && this.conflicts === 0;
  }
}

/** The service refused the requests themselves (a wrong key, a refused body): no point in sending more. */
export class ImportFailed extends Error {}

interface ItemAnswer {
  index: number;
  status: number;
  message?: string[];
}

const MAX_ITEMS = 1000;
/** Under the route's 1 MiB, with room for the envelope. */
const MAX_BATCH_BYTES = 1000 * 1024;
const IN_FLIGHT = 4;
const RETRIES = 5;

/**
 * Sends track bodies to POST /v1/{kind}/batch in batches of up to 1,000 items (and under 1 MiB), at most IN_FLIGHT
 * batches at once: `add` waits while that many are in flight, so a file of any size holds a bounded memory. A batch
 * the service could not take (network, 5xx, 429) is sent again after a pause: tracking is idempotent.
 */
export class BatchSender {
  private items: string[] = [];
  private lines: number[] = [];
  private bytes = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private failure: Error | null = null;

  constructor(
    private readonly endpoint: string,
    private readonly apiKey: string,
    readonly tally: ImportTally,
  ) {}

  async add(line: number, body: Record<string, unknown>): Promise<void> {
    const item = JSON.stringify(body);
    const size = Buffer.byteLength(item);
    if (size > MAX_BATCH_BYTES) {
      this.tally.problem(line, 'invalid', `the line is over ${MAX_BATCH_BYTES} bytes`);
      return;
    }
    if (this.items.length >= MAX_ITEMS || this.bytes + size + 1 > MAX_BATCH_BYTES) await this.flush();
    this.items.push(item);
    this.lines.push(line);
    this.bytes += size + 1;
  }

  /** Sends what is collected, waiting first while IN_FLIGHT batches are out. */
  async flush(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.items.length === 0) return;
    const [items, lines] = [this.items, this.lines];
    [this.items, this.lines, this.bytes] = [[], [], 0];
    while (this.inFlight.size >= IN_FLIGHT) await Promise.race(this.inFlight);
    if (this.failure) throw this.failure;
    const sending: Promise<void> = this.send(items, lines)
      .catch((e: Error) => void (this.failure ??= e))
      .finally(() => this.inFlight.delete(sending));
    this.inFlight.add(sending);
  }

  /** After a failure: waits for the batches still out, so that the summary counts every answer the service gave. */
  async settle(): Promise<void> {
    await Promise.all(this.inFlight);
  }

  /** Sends the rest and waits for every answer. */
  async finish(): Promise<void> {
    await this.flush();
    await Promise.all(this.inFlight);
    if (this.failure) throw this.failure;
  }

  private async send(items: string[], lines: number[]): Promise<void> {
    const body = `{"items":[${items.join(',')}]}`;
    for (let attempt = 0; ; attempt++) {
      let status: number;
      let text: string;
      try {
        const res = await fetch(this.endpoint, {
          method: 'POST',
          headers: { Authorization: `Bearer ${this.apiKey}`, 'Content-Type': 'application/json' },
          body,
        });
        status = res.status;
        text = await res.text();
      } catch (e) {
        if (attempt >= RETRIES) throw new ImportFailed(`cannot reach ${this.endpoint}: ${(e as Error).message}`);
        await pause(attempt);
        continue;
      }
      if (status === 200) return this.count(JSON.parse(text) as { items: ItemAnswer[] }, lines);
      if ((status >= 500 || status === 429) && attempt < RETRIES) {
        await pause(attempt);
        continue;
      }
      throw new ImportFailed(`${this.endpoint} answered ${status}: ${messageOf(text)}`);
    }
  }

  private count(answer: { items: ItemAnswer[] }, lines: number[]): void {
    for (const item of answer.items) {
      const line = lines[item.index];
      this.tally.lines += 1;
      if (item.status === 201) this.tally.created += 1;
      else if (item.status === 200) this.tally.alreadyTracked += 1;
      else this.tally.problem(line, item.status === 409 ? 'conflict' : 'invalid', (item.message ?? []).join('; '));
    }
  }
}

const pause = (attempt: number) => new Promise((r) => setTimeout(r, Math.min(500 * 2 ** attempt, 8000)));

function messageOf(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown };
    return Array.isArray(body.message) ? body.message.join('; ') : String(body.message ?? text);
  } catch {
    return text.slice(0, 200);
  }
}
