import type { JumioAccount } from '../../config/app-config.js';
import { pairKey, type AccountPair } from '../accounts/jumio-accounts.js';
import type { RateBucket } from './outbound-rate-limiter.js';

/**
 * Whose call it is: the transaction's account in its data center (credentials, ceiling), and whether the call is
 * the probe of a paused account (the one call such an account may make).
 */
export interface JumioCallTarget extends AccountPair {
  probe?: boolean;
}

/** What a call sends as that account: its Basic credentials, prepared once, and its rate bucket. */
export interface AccountCall {
  pair: AccountPair;
  authorization: string;
  bucket: RateBucket;
}

/** The Basic credentials of an account, prepared once, and its rate bucket (per account and data center). */
export function accountCall(pair: AccountPair, account: JumioAccount): AccountCall {
  const credentials = Buffer.from(`${account.token}:${account.secret}`, 'utf8').toString('base64');
  return {
    pair,
    authorization: `Basic ${credentials}`,
    bucket: { key: pairKey(pair), ceilingPerSecond: account.ceilingPerSecond },
  };
}
