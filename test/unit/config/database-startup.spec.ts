import { loadConfig } from '../../../src/config/app-config';
import {
  DatabaseUnreachableError,
  databaseTarget,
  waitForDatabase,
  type DatabaseWaitOptions,
} from '../../../src/database/wait-for-database';

const PASSWORD = 'pa55-word-never-logged';
const URL_WITH_PASSWORD = `postgres://app:${PASSWORD}@db.internal:6543/jumio_fallback`;

/** A fake clock that only moves when the wait pauses, and a connect that fails a given number of times. */
function rig(failures: number, error: string | Error = 'connect ECONNREFUSED 10.0.0.5:6543') {
  let clock = 0;
  const tries: { at: number; timeoutMs: number }[] = [];
  const lines: { fields: Record<string, unknown>; message: string }[] = [];
  const options = (waitSeconds: number): DatabaseWaitOptions => ({
    url: URL_WITH_PASSWORD,
    waitSeconds,
    log: { warn: (fields, message) => lines.push({ fields, message }) },
    now: () => clock,
    sleep: async (ms) => {
      clock += ms;
    },
    connect: async (_url, timeoutMs) => {
      tries.push({ at: clock, timeoutMs });
      if (tries.length <= failures) throw typeof error === 'string' ? new Error(error) : error;
    },
  });
  return { options, tries, lines };
}

/** The error a wait ends with; the test fails when it ends without one. */
async function failureOf(wait: Promise<void>): Promise<DatabaseUnreachableError> {
  try {
    await wait;
  } catch (thrown) {
    expect(thrown).toBeInstanceOf(DatabaseUnreachableError);
    return thrown as DatabaseUnreachableError;
  }
  throw new Error('the wait ended without an error');
}

describe('DATABASE_STARTUP_WAIT_SECONDS', () => {
  it('defaults to 60 seconds and accepts 0 (one try)', () => {
    expect(loadConfig({}).database.startupWaitSeconds).toBe(60);
    expect(loadConfig({ DATABASE_STARTUP_WAIT_SECONDS: '0' }).database.startupWaitSeconds).toBe(0);
  });

  it.each(['-1', 'soon', '3601'])('rejects %s, naming the variable and what it accepts', (value) => {
    expect(() => loadConfig({ DATABASE_STARTUP_WAIT_SECONDS: value })).toThrow(
      expect.objectContaining({ problems: ['DATABASE_STARTUP_WAIT_SECONDS: accepts a whole number from 0 to 3600'] }),
    );
  });
});

describe('waiting for the database at start-up', () => {
  it('returns at the first successful connection, after one warn line per failed try', async () => {
    const { options, tries, lines } = rig(2);
    await waitForDatabase(options(60));
    expect(tries.map((attempt) => attempt.at)).toEqual([0, 2000, 4000]);
    expect(lines).toHaveLength(2);
    expect(lines[0].fields).toMatchObject({ variable: 'DATABASE_URL', target: 'db.internal:6543', attempt: 1 });
    expect(lines[0].message).toMatch(/^DATABASE_URL: PostgreSQL at db\.internal:6543 is not reachable/);
  });

  it('gives up when the wait is over, with the variable, the target and the number of attempts', async () => {
    const { options, tries, lines } = rig(Infinity);
    const error = await failureOf(waitForDatabase(options(5)));
    // Tries at 0, 2 and 4 s, the last one when the 5 s are over: a wait is never cut short or overrun.
    expect(tries.map((attempt) => attempt.at)).toEqual([0, 2000, 4000, 5000]);
    expect(lines).toHaveLength(3);
    expect(error.fields).toEqual({
      variable: 'DATABASE_URL',
      target: 'db.internal:6543',
      attempts: 4,
      waitSeconds: 5,
      error: 'connect ECONNREFUSED 10.0.0.5:6543',
    });
    expect(error.message).toMatch(/^DATABASE_URL: no PostgreSQL answered at db\.internal:6543 within 5 s/);
    expect(error.message).toContain('DATABASE_STARTUP_WAIT_SECONDS');
  });

  it('tries once with a wait of 0', async () => {
    const { options, tries, lines } = rig(Infinity);
    await expect(waitForDatabase(options(0))).rejects.toThrow(/within 0 s \(1 attempt;/);
    expect(tries).toHaveLength(1);
    expect(lines).toHaveLength(0);
  });

  it('bounds each connection attempt by the time left, between 1 and 5 seconds', async () => {
    const { options, tries } = rig(Infinity);
    await waitForDatabase(options(7)).catch(() => undefined);
    expect(tries.map((attempt) => attempt.timeoutMs)).toEqual([5000, 5000, 3000, 1000, 1000]);
  });

  it("names the error's code when the driver gives no message (refused on every address of a name)", async () => {
    const refusedEverywhere = Object.assign(new AggregateError([], ''), { code: 'ECONNREFUSED' });
    const { options } = rig(Infinity, refusedEverywhere);
    expect((await failureOf(waitForDatabase(options(0)))).fields.error).toBe('ECONNREFUSED');
  });

  it('never logs the password or the URL, even when a driver message carries them', async () => {
    const { options, lines } = rig(Infinity, `cannot use ${URL_WITH_PASSWORD} (password ${PASSWORD})`);
    const error = await failureOf(waitForDatabase(options(3)));
    const everything = JSON.stringify([lines, error.fields, error.message]);
    expect(everything).not.toContain(PASSWORD);
    expect(everything).not.toContain(URL_WITH_PASSWORD);
    expect(everything).toContain('[redacted]');
  });
});

describe('databaseTarget', () => {
  it.each([
    ['postgres://u:p@127.0.0.1:1/none', '127.0.0.1:1'],
    ['postgresql://u:p@db.example/jumio', 'db.example:5432'],
    ['postgres://u:p@[::1]:6000/db', '[::1]:6000'],
    ['postgres:///db?host=/var/run/postgresql', '/var/run/postgresql:5432'],
    ['postgres://u:p@ignored:1/db?host=real&port=7000', 'real:7000'],
  ])('%s is %s, without credentials', (url, target) => {
    expect(databaseTarget(url)).toBe(target);
  });
});
