import { zonedDate } from './zoned-date';

describe('zonedDate', () => {
  const at = new Date('2026-07-01T12:34:56Z');

  it('shows a time as the location’s clock does, with the zone', () => {
    expect(zonedDate(at, 'Europe/Paris')).toBe('2026-07-01 14:34:56 GMT+2');
    expect(zonedDate(at, 'America/New_York')).toBe('2026-07-01 08:34:56 EDT');
    expect(zonedDate(new Date('2026-12-31T23:30:00Z'), 'Asia/Tokyo')).toBe('2027-01-01 08:30:00 GMT+9');
  });

  it('falls back to UTC for a missing or unknown zone', () => {
    expect(zonedDate(at, 'UTC')).toBe('2026-07-01 12:34:56 UTC');
    expect(zonedDate(at, null)).toBe('2026-07-01 12:34:56 UTC');
    expect(zonedDate(at, 'Mars/Olympus')).toBe('2026-07-01 12:34:56 UTC');
  });
});
