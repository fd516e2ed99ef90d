import { Inject, Injectable } from '@nestjs/common';
import { DATACENTERS, type Datacenter } from '../../common/kinds.js';
import type { AppConfig, JumioAccount } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { EngineException } from '../engine.exception.js';

/** An account in one data center: what a transaction's calls use (credentials, ceiling, rate bucket). */
export interface AccountPair {
  account: string;
  datacenter: Datacenter;
}

/** What a track request says about the account, before defaults (TrackRequest's `account` and `datacenter`). */
export interface AccountChoice {
  account?: string;
  datacenter?: Datacenter;
}

export const pairKey = (pair: AccountPair): string => `${pair.account}/${pair.datacenter}`;

/**
 * The configured Jumio accounts (JUMIO_ACCOUNTS and the account `default`), one entry per (account, data center)
 * pair, in configuration order: the first of a data center is its default. Which account a new transaction
 * belongs to is decided here, and every call finds its credentials and ceiling here.
 */
@Injectable()
export class JumioAccounts {
  private readonly byKey: Map<string, JumioAccount>;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.byKey = new Map(config.jumio.accounts.map((a) => [pairKey({ account: a.name, datacenter: a.datacenter }), a]));
  }

  /** Every (account, data center) pair, in configuration order. */
  all(): readonly JumioAccount[] {
    return this.config.jumio.accounts;
  }

  find(pair: AccountPair): JumioAccount | undefined {
    return this.byKey.get(pairKey(pair));
  }

  /** The data center's default: its first listed account, else `default` when that covers it. */
  firstOf(datacenter: Datacenter): JumioAccount | undefined {
    return this.config.jumio.accounts.find((a) => a.datacenter === datacenter);
  }

  /**
   * The account and data center of a new transaction: `account` alone means the account's data center (`default`
   * alone, JUMIO_DEFAULT_DATACENTER); `datacenter` alone (or neither) means that data center's first account.
   * An unknown account, one of another data center, or a data center without any is INVALID_REQUEST (a 400) that
   * lists the accounts there are.
   */
  resolve(choice: AccountChoice): { account: JumioAccount; explicit: boolean } {
    if (choice.account === undefined) {
      const datacenter = choice.datacenter ?? this.config.jumio.defaultDatacenter;
      const account = this.firstOf(datacenter);
      if (!account) throw this.refusal(`datacenter ${datacenter} has no Jumio account configured`);
      return { account, explicit: false };
    }
    const named = this.config.jumio.accounts.filter((a) => a.name === choice.account);
    if (named.length === 0) throw this.refusal(`account "${choice.account}" is not a configured Jumio account`);
    const datacenter =
      choice.datacenter ?? (named.length === 1 ? named[0].datacenter : this.config.jumio.defaultDatacenter);
    const account = named.find((a) => a.datacenter === datacenter);
    if (!account) {
      const where = named.map((a) => a.datacenter).join(', ');
      throw this.refusal(
        `account "${choice.account}" is not an account of datacenter ${datacenter} (it serves ${where})`,
      );
    }
    return { account, explicit: true };
  }

  /** The accounts there are, per data center, for a refusal a backend can act on. */
  describe(): string {
    const parts = DATACENTERS.map((dc) => {
      const names = this.config.jumio.accounts.filter((a) => a.datacenter === dc).map((a) => a.name);
      return `${dc}: ${names.length ? names.join(', ') : 'none'}`;
    });
    return `configured accounts by datacenter: ${parts.join('; ')}`;
  }

  private refusal(what: string): EngineException {
    return new EngineException('INVALID_REQUEST', [`${what}; ${this.describe()}`]);
  }
}
