/**
 * Reads environment variables for one configuration area and collects every problem instead of stopping at
 * the first, so a misconfigured start-up prints one line per variable (brocoders-style per-area validation).
 * Messages name the variable and what it accepts; they never echo a value, because some are secrets.
 */
export class EnvReader {
  readonly problems: string[] = [];

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  has(name: string): boolean {
    return this.raw(name) !== undefined;
  }

  problem(name: string, accepts: string): void {
    this.problems.push(`${name}: ${accepts}`);
  }

  string(name: string, fallback: string): string;
  string(name: string, fallback?: undefined): string | undefined;
  string(name: string, fallback?: string): string | undefined {
    return this.raw(name) ?? fallback;
  }

  required(name: string, accepts: string, when: boolean): string | undefined {
    const value = this.raw(name);
    if (value === undefined && when) this.problem(name, `is required (${accepts})`);
    return value;
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (/^(true|1|yes)$/i.test(value)) return true;
    if (/^(false|0|no)$/i.test(value)) return false;
    this.problem(name, 'accepts true or false');
    return fallback;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!/^-?\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      this.problem(name, `accepts a whole number from ${min} to ${max}`);
      return fallback;
    }
    return Number(value);
  }

  positiveNumber(name: string, fallback: number, what: string): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const number = Number(value);
    if (!/^\d*\.?\d+$/.test(value) || !Number.isFinite(number) || number <= 0) {
      this.problem(name, `accepts a positive number (${what})`);
      return fallback;
    }
    return number;
  }

  oneOf<T extends string>(name: string, values: readonly T[], fallback: T): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const match = values.find((allowed) => allowed.toLowerCase() === value.toLowerCase());
    if (!match) {
      this.problem(name, `accepts one of ${values.join(', ')}`);
      return fallback;
    }
    return match;
  }
}
