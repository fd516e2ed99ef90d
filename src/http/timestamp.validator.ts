import { ValidateBy, type ValidationArguments } from 'class-validator';
import { readTimestamp, timestampProblem } from '../engine/domain/timestamp-reader.js';

/**
 * A timestamp field of a request: RFC 3339 with a zone, within the service's range, read by the same function the
 * engine stores it with (engine/domain/timestamp-reader.ts). One message, naming the field and what is allowed.
 */
export function IsTimestamp(field: string): PropertyDecorator {
  return ValidateBy({
    name: 'isTimestamp',
    validator: {
      validate: (value: unknown) => readTimestamp(value).ok,
      defaultMessage: ({ value }: ValidationArguments) => {
        const reading = readTimestamp(value);
        return timestampProblem(field, reading.ok ? 'FORMAT' : reading.problem);
      },
    },
  });
}
