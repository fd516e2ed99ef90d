import { BadRequestException, ValidationPipe, type ArgumentMetadata, type Type } from '@nestjs/common';
import { PrototypeKeysPipe } from './prototype-keys.pipe.js';

/** How every request DTO is validated (the global pipe): unknown fields refused, every problem named. */
export const VALIDATION_OPTIONS = {
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  stopAtFirstError: false,
} as const;

/** The global pipes, in order: names class-transformer would drop, then class-validator. */
export const globalPipes = () => [new PrototypeKeysPipe(), new ValidationPipe(VALIDATION_OPTIONS)];

/**
 * One JSON value validated as a request body of `metatype` by the global pipes (same messages as a route taking
 * it as its body): the DTO, or the messages of the 400 the route would answer. For the items of a batch.
 */
export class BodyValidator<T extends object> {
  private readonly pipes = globalPipes();
  private readonly metadata: ArgumentMetadata;

  constructor(metatype: Type<T>) {
    this.metadata = { type: 'body', metatype, data: undefined };
  }

  async validate(value: unknown): Promise<{ dto: T } | { messages: string[] }> {
    try {
      let dto = value;
      for (const pipe of this.pipes) dto = await pipe.transform(dto, this.metadata);
      return { dto: dto as T };
    } catch (e) {
      if (!(e instanceof BadRequestException)) throw e;
      const { message } = e.getResponse() as { message: string | string[] };
      return { messages: Array.isArray(message) ? message : [message] };
    }
  }
}
