import {
  ForbiddenException,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import type { Scope } from '../config/app-config.js';
import { ApiKeys, MISSING_KEY_MESSAGE } from './api-keys.js';
import { REQUIRED_SCOPE, scopeGrants, type AuthenticatedCaller } from './scopes.js';

/**
 * Bearer API keys with scopes. ApiKeyGate has authenticated every /v1 request before its body was read; this guard
 * checks the route's scope (and authenticates any request the gate did not see).
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly keys: ApiKeys,
    private readonly reflector: Reflector,
  ) {}

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
    const key = request.apiKey ?? this.keys.authenticate(request.headers.authorization);
    if (!key) throw new UnauthorizedException(MISSING_KEY_MESSAGE);
    if (!scopeGrants(key.scopes, scope))
      throw new ForbiddenException(`the API key "${key.name}" lacks the "${scope}" scope`);
    request.caller = { keyName: key.name, scopes: key.scopes };
    return true;
  }
}
