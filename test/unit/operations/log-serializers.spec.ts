import { QueryFailedError } from 'typeorm';
import pinoHttp from 'pino-http';
import type { Options } from 'pino-http';
import { loadConfig } from '../../../src/config/app-config';
import { loggablePath, scrubMessage, serializeError } from '../../../src/operations/log-serializers';
import { loggerParams } from '../../../src/operations/logging';

const PERSONAL = ['JANE-1A2B3C4D', 'cust-secret-77', 'order-secret-88'];

/** A logger built exactly as the service builds it, writing into an array. */
function serviceLogger() {
  const lines: string[] = [];
  const params = loggerParams(loadConfig({ LOG_LEVEL: 'debug' }), { write: (l: string) => void lines.push(l) });
  const [options, stream] = params.pinoHttp as [Options, { write(l: string): void }];
  return { logger: pinoHttp(options, stream).logger, lines };
}

/** What TypeORM throws when PostgreSQL refuses a statement: the statement, its parameters and pg's error. */
function queryFailed(): QueryFailedError {
  const driverError = Object.assign(
    new Error('invalid input syntax for type timestamp with time zone: "0NaN-NaN-NaNTNaN:NaN:NaN.NaN+NaN:NaN"'),
    {
      code: '22007',
      severity: 'ERROR',
      routine: 'DateTimeParseError',
      detail: `Failing row contains (1, ${PERSONAL[1]}, ${PERSONAL[2]}).`,
      where: `unnamed portal parameter $5 = '${PERSONAL[1]}'`,
    },
  );
  return new QueryFailedError(
    'INSERT INTO tracked_transaction (kind, reference, customer_reference) VALUES ($1, $2, $5)',
    ['id-verifications', '8f0c5e5a-7a1e-4c1b-9a59-3f7a2b1d0c11', PERSONAL[1], PERSONAL[2]],
    driverError,
  );
}

describe('log serializers: nothing a caller or Jumio sent reaches a log line', () => {
  it('logs a failed statement by its text, SQLSTATE and routine, never its parameters, row or the quoted value', () => {
    const { logger, lines } = serviceLogger();
    logger.error({ err: queryFailed() }, 'unhandled error');
    expect(lines).toHaveLength(1);
    for (const value of [...PERSONAL, '0NaN'])
      expect({ value, logged: lines[0].includes(value) }).toEqual({ value, logged: false });
    const err = JSON.parse(lines[0]).err;
    expect(err).toMatchObject({
      type: 'QueryFailedError',
      message: 'invalid input syntax for type timestamp with time zone: [value not logged]',
      code: '22007',
      routine: 'DateTimeParseError',
      query: expect.stringContaining('INSERT INTO tracked_transaction'),
    });
    expect(err.stack).toMatch(
      /^QueryFailedError: invalid input syntax for type timestamp with time zone: \[value not logged\]\n\s+at /,
    );
    expect(Object.keys(err)).not.toEqual(expect.arrayContaining(['parameters']));
    expect(Object.keys(err).some((k) => ['parameters', 'driverError', 'detail', 'where'].includes(k))).toBe(false);
  });

  it("drops what an HTTP client's error carries (its request and response) and quotes nothing of a parser's input", () => {
    const { logger, lines } = serviceLogger();
    const parse = (() => {
      try {
        JSON.parse(`${PERSONAL[0]} is no JSON`);
      } catch (e) {
        return e as Error;
      }
      throw new Error('unreachable');
    })();
    const http = Object.assign(new Error('Request failed with status code 500'), {
      code: 'ERR_BAD_RESPONSE',
      config: { headers: { Authorization: 'Basic c2VjcmV0' }, data: PERSONAL[1] },
      response: { status: 500, data: { firstName: PERSONAL[0] } },
    });
    const wrapped = new Error('step failed', { cause: parse });
    logger.error({ err: http }, 'one');
    logger.error({ err: wrapped }, 'two');
    const text = lines.join('');
    for (const value of [...PERSONAL, 'JANE', 'c2VjcmV0'])
      expect({ value, logged: text.includes(value) }).toEqual({ value, logged: false });
    expect(JSON.parse(lines[0]).err).toEqual({
      type: 'Error',
      message: 'Request failed with status code 500',
      stack: expect.any(String),
      code: 'ERR_BAD_RESPONSE',
    });
    expect(JSON.parse(lines[1]).err.cause).toMatchObject({
      type: 'SyntaxError',
      message: expect.stringContaining('[value not logged]'),
    });
  });

  it('cuts what follows a database message colon, and every double-quoted part of any other message', () => {
    expect(scrubMessage('invalid byte sequence for encoding "UTF8": 0x00', true)).toBe(
      'invalid byte sequence for encoding "UTF8": [value not logged]',
    );
    expect(scrubMessage('duplicate key value violates unique constraint "tracked_transaction_pkey"', true)).toBe(
      'duplicate key value violates unique constraint "tracked_transaction_pkey"',
    );
    expect(scrubMessage('Unexpected token \'x\', "{"a": "JANE"}" is not valid JSON', false)).toBe(
      'Unexpected token \'x\', "[value not logged]" is not valid JSON',
    );
    expect(serializeError('a string')).toBe('a string');
  });

  it('logs a path with references, kinds, medium names and the routes own words only', () => {
    expect(loggablePath('/v1/id-verifications/8f0c5e5a-7a1e-4c1b-9a59-3f7a2b1d0c11/media/liveness-2?x=1')).toBe(
      '/v1/id-verifications/8f0c5e5a-7a1e-4c1b-9a59-3f7a2b1d0c11/media/liveness-2',
    );
    expect(
      loggablePath('/v1/admin/transactions/authentications/8f0c5e5a-7a1e-4c1b-9a59-3f7a2b1d0c11/personal-data'),
    ).toBe('/v1/admin/transactions/authentications/8f0c5e5a-7a1e-4c1b-9a59-3f7a2b1d0c11/personal-data');
    expect(loggablePath('/v1/id-verifications/Jane%20Doe/media/front')).toBe('/v1/id-verifications/:value/media/front');
    expect(loggablePath(`/v1/${PERSONAL[1]}`)).toBe('/v1/:value');
    expect(loggablePath('/health/live')).toBe('/health/live');
    expect(loggablePath(`/${'a/'.repeat(1000)}`).length).toBeLessThanOrEqual(300);
  });
});
