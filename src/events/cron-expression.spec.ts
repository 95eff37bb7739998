import { checkCron, nextCronRun } from './cron-expression';

describe('checkCron', () => {
  it.each(['*/5 * * * *', '0 30 7 * * ?', '0 0 12 ? * MON-FRI', '15 10 1 * *'])('accepts %s', (cron) => {
    expect(checkCron(cron)).toEqual({ ok: true });
  });

  it.each([
    ['* * * *', 'has 4 fields'],
    ['* * * * * * *', 'has 7 fields'],
    ['*/10 * * * * *', 'runs more than once a minute'],
    ['* * * * * *', 'runs more than once a minute'],
    ['61 * * * *', 'is not a valid cron expression'],
    ['every day', 'has 2 fields'],
  ])('refuses %s', (cron, message) => {
    const check = checkCron(cron);
    expect(check.ok).toBe(false);
    expect(check.ok ? '' : check.message).toContain(message);
  });
});

describe('nextCronRun', () => {
  it('counts in the location’s time zone', () => {
    expect(nextCronRun('0 30 7 * * ?', new Date('2025-07-01T00:00:00Z'), 'Europe/Berlin').toISOString()).toBe('2025-07-01T05:30:00.000Z');
  });

  it('falls back to UTC for an unknown time zone', () => {
    expect(nextCronRun('30 7 * * *', new Date('2025-07-01T00:00:00Z'), 'Nowhere/Special').toISOString()).toBe('2025-07-01T07:30:00.000Z');
  });

  it('is strictly after the given time', () => {
    expect(nextCronRun('*/5 * * * *', new Date('2025-07-01T10:05:00Z'), 'UTC').toISOString()).toBe('2025-07-01T10:10:00.000Z');
  });
});
