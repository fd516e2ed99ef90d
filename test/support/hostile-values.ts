/**
 * Timestamps the issue found to pass ISO-8601 validation yet fail `new Date()` (week date, ordinal date, basic
 * format, a decimal comma, reduced precision, a signed year), and one without a zone (read in the server's zone).
 */
export const UNREADABLE_TIMESTAMPS = [
  '2026-W48-4',
  '2026-330',
  '20261126T101500Z',
  '2026-11-26T10:15:00,5Z',
  '2026-11-26T10',
  '-2026-11-26T10:15:00Z',
  '2026-11-26T10:15:00',
];
