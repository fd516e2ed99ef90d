import { timingSafeEqual } from 'node:crypto';
import type { SimulatorAccount } from './simulator-types.js';

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The Jumio accounts this simulated host accepts: `apiToken`/`apiSecret` as the account `default`, and the listed
 * ones. A host that stands for one data center (`datacenter`) accepts only the accounts of that data center (and
 * those listed without one), as Jumio's hosts do. A secret can be changed (`rotate`), as in Jumio's portal.
 */
export class SimulatorAccounts {
  private readonly accounts: SimulatorAccount[];

  constructor(
    defaults: { apiToken: string; apiSecret: string },
    listed: SimulatorAccount[] = [],
    readonly datacenter: string | null = null,
  ) {
    this.accounts = [
      { name: 'default', token: defaults.apiToken, secret: defaults.apiSecret },
      ...listed.map((a) => ({ ...a })),
    ];
  }

  /** The name of the account these Basic credentials belong to on this host, or null (a 401). */
  authorize(user: string, password: string): string | null {
    const match = this.accounts.find(
      (a) =>
        (a.datacenter === undefined || this.datacenter === null || a.datacenter === this.datacenter) &&
        safeEqual(user, a.token) &&
        safeEqual(password, a.secret),
    );
    return match?.name ?? null;
  }

  /** Gives the account a new secret: its old one is rejected from now on. False when there is no such account. */
  rotate(name: string, secret: string): boolean {
    const matching = this.accounts.filter((a) => a.name === name);
    for (const a of matching) a.secret = secret;
    return matching.length > 0;
  }

  names(): string[] {
    return this.accounts.map((a) => a.name);
  }
}
