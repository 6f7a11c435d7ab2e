import { Writable } from 'node:stream';
import { createLogger } from '../log.js';
import { DatabaseUnreachableError, isDatabaseUnreachable, waitForDatabase } from './wait.js';

const lines: Array<{ msg?: string; attempt?: number }> = [];
const logger = createLogger({
  name: 'test',
  level: 'info',
  destination: new Writable({
    write: (c: Buffer, _e, cb) => {
      lines.push(JSON.parse(c.toString()) as { msg?: string });
      cb();
    },
  }),
});

const coded = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('isDatabaseUnreachable', () => {
  it.each([
    ['a refused socket', coded('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['an unknown host', coded('ENOTFOUND')],
    ['a reset', coded('ECONNRESET')],
    ['SQLSTATE 08006', coded('08006')],
    ['the database shutting down', coded('57P01')],
    ['crash recovery', coded('57P02')],
    ['cannot connect now (starting up)', coded('57P03', 'the database system is starting up')],
    ['too many connections', coded('53300')],
    ['the pg connect timeout', new Error('timeout exceeded when trying to connect')],
    ['a dropped connection', new Error('Connection terminated unexpectedly')],
    ['wrapped', new Error('migrate failed', { cause: coded('ECONNREFUSED') })],
    ['every address refused', Object.assign(new AggregateError([coded('ECONNREFUSED'), coded('ECONNREFUSED')]), {})],
  ])('%s: yes', (_what, err) => expect(isDatabaseUnreachable(err)).toBe(true));

  it.each([
    ['a wrong password', coded('28P01', 'password authentication failed for user "x"')],
    ['an unknown database', coded('3D000', 'database "nope" does not exist')],
    ['a syntax error', coded('42601')],
    ['a plain error', new Error('boom')],
    ['not an error', 'ECONNREFUSED'],
    ['one address refused, one answered wrongly', new AggregateError([coded('ECONNREFUSED'), coded('28P01')])],
  ])('%s: no', (_what, err) => expect(isDatabaseUnreachable(err)).toBe(false));
});

describe('waitForDatabase', () => {
  function clock() {
    let t = 0;
    const slept: number[] = [];
    return {
      now: () => t,
      sleep: (ms: number) => {
        slept.push(ms);
        t += ms;
        return Promise.resolve();
      },
      slept,
    };
  }

  it('retries an unreachable database with growing delays until it answers', async () => {
    lines.length = 0;
    const c = clock();
    let calls = 0;
    const probe = () => (++calls < 4 ? Promise.reject(coded('ECONNREFUSED')) : Promise.resolve());
    await waitForDatabase('postgres://x', { logger, probe, ...c, budgetMs: 60_000 });
    expect(calls).toBe(4);
    expect(c.slept).toEqual([500, 1000, 2000]);
    expect(lines.filter((l) => l.msg === 'database unreachable at start; waiting')).toHaveLength(3);
    expect(lines.at(-1)).toMatchObject({ msg: 'database reachable', attempts: 4 });
  });

  it('gives up after the budget with the last error named', async () => {
    const c = clock();
    const probe = () => Promise.reject(coded('ECONNREFUSED', 'connect ECONNREFUSED 10.0.0.1:5432'));
    const err = await waitForDatabase('postgres://x', { logger, probe, ...c, budgetMs: 5_000 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DatabaseUnreachableError);
    expect((err as Error).message).toMatch(/could not be reached for 5 s .*ECONNREFUSED 10\.0\.0\.1/);
    expect(c.slept.reduce((a, b) => a + b, 0)).toBe(5_000); // the last sleep is cut to the budget
  });

  it('fails at once on an error waiting cannot fix', async () => {
    const c = clock();
    let calls = 0;
    const probe = () => {
      calls++;
      return Promise.reject(coded('28P01', 'password authentication failed'));
    };
    await expect(waitForDatabase('postgres://x', { logger, probe, ...c })).rejects.toThrow(
      'password authentication failed',
    );
    expect(calls).toBe(1);
    expect(c.slept).toEqual([]);
  });

  it('tries once with a budget of 0', async () => {
    const c = clock();
    const probe = () => Promise.reject(coded('ECONNREFUSED'));
    await expect(waitForDatabase('postgres://x', { logger, probe, ...c, budgetMs: 0 })).rejects.toBeInstanceOf(
      DatabaseUnreachableError,
    );
    expect(c.slept).toEqual([]);
  });
});
