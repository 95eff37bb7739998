import { LogCollector, truncateUtf8 } from './sandbox.logs';

describe('truncateUtf8', () => {
  it('leaves text within the byte limit untouched', () => {
    expect(truncateUtf8('héllo', 6)).toBe('héllo');
  });

  it('cuts on a character boundary and marks the cut, staying within the limit', () => {
    const cut = truncateUtf8('aé€😀b', 9);
    expect(cut).toBe('aé€…');
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(9);
  });

  it('never splits a four-byte character', () => {
    const cut = truncateUtf8('😀😀😀', 10);
    expect(cut).toBe('😀…');
  });
});

describe('LogCollector', () => {
  it('maps an unknown level to info', () => {
    const logs = new LogCollector(5, 100);
    logs.add('trace', 'x');
    expect(logs.result()).toEqual([{ level: 'info', message: 'x' }]);
  });

  it('counts lines past the limit and reports them in one final line', () => {
    const logs = new LogCollector(2, 100);
    ['a', 'b', 'c', 'd'].forEach((message) => logs.add('debug', message));
    expect(logs.result()).toEqual([
      { level: 'debug', message: 'a' },
      { level: 'debug', message: 'b' },
      { level: 'warn', message: '2 further log lines were dropped (limit: 2 lines per run)' },
    ]);
  });

  it('returns a copy, so callers cannot change what it collected', () => {
    const logs = new LogCollector(2, 100);
    logs.add('info', 'kept');
    logs.result().pop();
    expect(logs.result()).toEqual([{ level: 'info', message: 'kept' }]);
  });
});
