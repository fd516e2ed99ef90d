import { createHash, timingSafeEqual } from 'node:crypto';
import {
  ForbiddenException,
  Inject,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import type { ApiKey, AppConfig, Scope } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { REQUIRED_SCOPE, scopeGrants, type AuthenticatedCaller } from './scopes.js';

/**
 * Bearer API keys with scopes. Secrets are compared as SHA-256 digests with timingSafeEqual against every
 * configured key (no early exit), so neither the secret's length nor which key matched leaks through timing.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly keys: { key: ApiKey; digest: Buffer }[];

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly reflector: Reflector,
  ) {
    this.keys = config.security.apiKeys.map((key) => ({ key, digest: digest(key.secret) }));
  }

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<FastifyRequest & { caller?: AuthenticatedCaller }>();
    const scope = this.reflector.getAllAndOverride<Scope | undefined>(REQUIRED_SCOPE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!scope) {
      // Fail closed: a /v1 route that forgot to declare its scope is never open (judged by the route the router
      // matched, whatever the spelling of the request's path).
      const route = request.routeOptions.url ?? '';
      if (route === '/v1' || route.startsWith('/v1/')) throw new ForbiddenException('this route declares no scope');
      return true;
    }
    const key = this.authenticate(request.headers.authorization);
    if (!key) throw new UnauthorizedException('missing or unknown API key: send Authorization: Bearer <key>');
    if (!scopeGrants(key.scopes, scope))
      throw new ForbiddenException(`the API key "${key.name}" lacks the "${scope}" scope`);
    request.caller = { keyName: key.name, scopes: key.scopes };
    return true;
  }

  private authenticate(header: string | undefined): ApiKey | null {
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
