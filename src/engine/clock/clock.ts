/**
 * The engine's only source of "now". Production reads the system clock; tests inject a manual clock (test/support/manual-clock.ts) and move
 * time forward instead of sleeping, so schedules that span minutes and days run in milliseconds.
 */
export abstract class Clock {
  abstract now(): Date;
}

export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }
}
