import { BadRequestException, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';

/**
 * Refuses a JSON body whose top level names `__proto__` or `constructor`. class-transformer drops both keys without
 * a word, so the ValidationPipe's "unknown fields are rejected" (contract, "Errors") would never see them and the
 * request would succeed as if they had not been sent. Runs before the ValidationPipe, on bodies bound to a DTO
 * only (a route without a body DTO ignores its body, as it ignores any other field), with the pipe's message.
 */
export class PrototypeKeysPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (
      metadata.type !== 'body' ||
      !metadata.metatype ||
      typeof value !== 'object' ||
      value === null ||
      Array.isArray(value)
    )
      return value;
    const keys = ['__proto__', 'constructor'].filter((key) => Object.prototype.hasOwnProperty.call(value, key));
    if (keys.length > 0) throw new BadRequestException(keys.map((key) => `property ${key} should not exist`));
    return value;
  }
}
