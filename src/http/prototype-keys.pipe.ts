import { BadRequestException, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';

/**
 * Names class-transformer never copies onto a DTO: `__proto__`, `constructor`, every other name of
 * Object.prototype (`toString`, `valueOf`, `hasOwnProperty`, `__defineGetter__`, ...: a DTO instance inherits them
 * as functions) and `prototype`. The ValidationPipe's "unknown fields are rejected" (contract, "Errors") never sees
 * them, so the request would succeed as if they had not been sent.
 */
const NAMES_CLASS_TRANSFORMER_DROPS: ReadonlySet<string> = new Set([
  ...Object.getOwnPropertyNames(Object.prototype),
  'prototype',
]);

/**
 * Refuses a JSON body or a query string whose top level names one of them, with the ValidationPipe's own message.
 * Runs before the ValidationPipe, on bodies and queries bound to a DTO only (a route without one ignores them, as it
 * ignores any other field).
 */
export class PrototypeKeysPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (
      (metadata.type !== 'body' && metadata.type !== 'query') ||
      !metadata.metatype ||
      metadata.data !== undefined ||
      typeof value !== 'object' ||
      value === null ||
      Array.isArray(value)
    )
      return value;
    const refused = droppedKeyMessages(value);
    if (refused.length > 0) throw new BadRequestException(refused);
    return value;
  }
}

/** The refusal of each name class-transformer would drop among an object's own keys (none: an empty list). */
export function droppedKeyMessages(value: object): string[] {
  return Object.keys(value)
    .filter((key) => NAMES_CLASS_TRANSFORMER_DROPS.has(key))
    .map((key) => `property ${key} should not exist`);
}
