import { SetMetadata } from '@nestjs/common';
import type { Scope } from '../config/app-config.js';

export const REQUIRED_SCOPE = 'jf:required-scope';

/** Every route under /v1 names the scope it needs; ApiKeyGuard refuses a /v1 route that does not. */
export const RequireScope = (scope: Scope) => SetMetadata(REQUIRED_SCOPE, scope);

/** What a request carries once authenticated: the key's name (for audit), never its secret. */
export interface AuthenticatedCaller {
  keyName: string;
  scopes: Scope[];
}

export function scopeGrants(granted: Scope[], required: Scope): boolean {
  // admin grants everything transactions grants (contract, "Authentication and scopes").
  return granted.includes(required) || granted.includes('admin');
}
