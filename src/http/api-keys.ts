import { createHash, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { ApiKey, AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';

export const MISSING_KEY_MESSAGE = 'missing or unknown API key: send Authorization: Bearer <key>';

/**
 * The configured bearer API keys. Secrets are compared as SHA-256 digests with timingSafeEqual against every
 * configured key (no early exit), so neither the secret's length nor which key matched leaks through timing.
 */
@Injectable()
export class ApiKeys {
  private readonly keys: { key: ApiKey; digest: Buffer }[];

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.keys = config.security.apiKeys.map((key) => ({ key, digest: digest(key.secret) }));
  }

  /** The key an Authorization header presents, or null when it presents none or an unknown one. */
  authenticate(header: string | undefined): ApiKey | null {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    if (!match) return null;
    const presented = digest(match[1]);
    let found: ApiKey | null = null;
    for (const { key, digest: expected } of this.keys) {
      if (timingSafeEqual(presented, expected) && found === null) found = key;
    }
    return found;
  }
}

function digest(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}
