import type { HttpService } from '@nestjs/axios';
import type { AppConfig } from '../../src/config/app-config';
import type { AccountStates } from '../../src/engine/accounts/account-states';
import { JumioAccounts, pairKey, type AccountPair } from '../../src/engine/accounts/jumio-accounts';
import { SystemClock } from '../../src/engine/clock/clock';
import { JumioTransport, type JumioCallTarget } from '../../src/engine/jumio-transport/jumio-transport';
import type { OutboundRateLimiter } from '../../src/engine/jumio-transport/outbound-rate-limiter';

/** The account `default` in the US, as most transport tests call. */
export const US: JumioCallTarget = { account: 'default', datacenter: 'US' };

/**
 * Account states without a database, for unit tests of the transport: a rejection pauses the pair in memory, any
 * other answer to a call sent since resumes it, as AccountStates does with its table.
 */
export function memoryAccountStates(): AccountStates & { rejected: string[]; accepted: string[] } {
  const paused = new Set<string>();
  const parts = {
    rejected: [] as string[],
    accepted: [] as string[],
    isPaused: (pair: AccountPair) => paused.has(pairKey(pair)),
    onPaused: () => undefined,
    markRejected: async (pair: AccountPair) => {
      if (!paused.has(pairKey(pair))) parts.rejected.push(pairKey(pair));
      paused.add(pairKey(pair));
    },
    markAccepted: async (pair: AccountPair) => {
      if (paused.delete(pairKey(pair))) parts.accepted.push(pairKey(pair));
    },
  };
  return parts as unknown as AccountStates & { rejected: string[]; accepted: string[] };
}

/** A JumioTransport on its configuration's accounts, with in-memory account states. */
export function transportOf(
  http: HttpService,
  limiter: OutboundRateLimiter,
  config: AppConfig,
  states: AccountStates = memoryAccountStates(),
  tlsCa: string | null = null,
): JumioTransport {
  return new JumioTransport(http, limiter, config, new JumioAccounts(config), states, new SystemClock(), tlsCa);
}
