import { isPlatformFailure, PlatformUnavailableError } from './platform-unavailable';

describe('isPlatformFailure', () => {
  const withCode = (code: string, nested = false) => Object.assign(new Error('query failed'), nested ? { driverError: { code } } : { code });

  it.each([
    ['a lost sandbox call', new PlatformUnavailableError('The sandbox stopped unexpectedly')],
    ['PostgreSQL shutting down', withCode('57P01', true)],
    ['a refused connection', withCode('ECONNREFUSED')],
    ['a serialization failure', withCode('40001', true)],
    ['SQLite busy', withCode('SQLITE_BUSY')],
    ['a closed SQLite handle', new Error('SQLITE_MISUSE: Database is closed')],
    ['a closed pool', new Error('Connection terminated unexpectedly')],
  ])('is true for %s', (_what, err) => {
    expect(isPlatformFailure(err)).toBe(true);
  });

  it.each([
    ['a unique violation', withCode('23505', true)],
    ['a constraint failure', withCode('SQLITE_CONSTRAINT')],
    ['a plain bug', new TypeError('x is undefined')],
    ['a non-error', 'boom'],
  ])('is false for %s', (_what, err) => {
    expect(isPlatformFailure(err)).toBe(false);
  });
});
