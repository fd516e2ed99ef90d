import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { AuthenticatedCaller } from '../http/scopes.js';

/** The authenticated API key's name (set by ApiKeyGuard), for audit: who forced or purged what. */
export const CallerKeyName = createParamDecorator((_: unknown, context: ExecutionContext): string => {
  const request = context.switchToHttp().getRequest<FastifyRequest & { caller?: AuthenticatedCaller }>();
  if (!request.caller) throw new Error('CallerKeyName used on a route without a required scope');
  return request.caller.keyName;
});
