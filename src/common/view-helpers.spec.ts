import { formatInZone } from './view-helpers';

describe('formatInZone', () => {
  const at = new Date('2026-07-01T12:34:56Z');

  it('shows a time as the location’s clock does, with the zone', () => {
    expect(formatInZone(at, 'Europe/Paris')).toBe('2026-07-01 14:34:56 GMT+2');
    expect(formatInZone(at, 'America/New_York')).toBe('2026-07-01 08:34:56 EDT');
    expect(formatInZone(new Date('2026-12-31T23:30:00Z'), 'Asia/Tokyo')).toBe('2027-01-01 08:30:00 GMT+9');
  });

  it('falls back to UTC for a missing or unknown zone', () => {
    expect(formatInZone(at, 'UTC')).toBe('2026-07-01 12:34:56 UTC');
    expect(formatInZone(at, null)).toBe('2026-07-01 12:34:56 UTC');
    expect(formatInZone(at, 'Mars/Olympus')).toBe('2026-07-01 12:34:56 UTC');
  });
});
