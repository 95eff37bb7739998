import { snapshotLocation } from './location-snapshot';
import { sunTimes } from './solar';
import { utcOffsetMinutes, zonedInstant } from './zone-time';

const minutesApart = (a: Date | null, iso: string) => Math.abs((a?.getTime() ?? NaN) - Date.parse(iso)) / 60000;

describe('sunTimes (NOAA)', () => {
  it('matches NOAA for Greenwich at the June solstice', () => {
    // NOAA solar calculator, 51.4769 N 0.0005 W, 2024-06-21: sunrise 04:43, sunset 21:21 BST (03:43 / 20:21 UTC)
    const sun = sunTimes(new Date('2024-06-21T12:00:00Z'), 51.4769, -0.0005);
    expect(minutesApart(sun.sunrise, '2024-06-21T03:43:00Z')).toBeLessThan(3);
    expect(minutesApart(sun.sunset, '2024-06-21T20:21:00Z')).toBeLessThan(3);
  });

  it('matches NOAA for New York in winter (west of Greenwich)', () => {
    // 40.7128 N 74.0060 W, 2024-12-21: sunrise 07:16, sunset 16:32 EST (12:16 / 21:32 UTC)
    const sun = sunTimes(new Date('2024-12-21T17:00:00Z'), 40.7128, -74.006);
    expect(minutesApart(sun.sunrise, '2024-12-21T12:16:00Z')).toBeLessThan(3);
    expect(minutesApart(sun.sunset, '2024-12-21T21:32:00Z')).toBeLessThan(3);
  });

  it('matches NOAA for Sydney (southern hemisphere, east)', () => {
    // 33.8688 S 151.2093 E, 2024-12-21: sunrise 05:41, sunset 20:05 AEDT (18:41 on the 20th / 09:05 UTC)
    const sun = sunTimes(new Date('2024-12-21T02:00:00Z'), -33.8688, 151.2093);
    expect(minutesApart(sun.sunrise, '2024-12-20T18:41:00Z')).toBeLessThan(3);
    expect(minutesApart(sun.sunset, '2024-12-21T09:05:00Z')).toBeLessThan(3);
  });

  it('has no sunrise in the polar night', () => {
    expect(sunTimes(new Date('2024-12-21T12:00:00Z'), 78.2232, 15.6267)).toEqual({ sunrise: null, sunset: null });
  });
});

describe('zone time', () => {
  it('knows offsets and local midnights across DST', () => {
    expect(utcOffsetMinutes('America/New_York', new Date('2024-01-15T12:00:00Z'))).toBe(-300);
    expect(utcOffsetMinutes('America/New_York', new Date('2024-07-15T12:00:00Z'))).toBe(-240);
    expect(zonedInstant('Asia/Kolkata', 2024, 3, 1).toISOString()).toBe('2024-02-29T18:30:00.000Z');
    expect(zonedInstant('Europe/Berlin', 2024, 3, 31, 12).toISOString()).toBe('2024-03-31T10:00:00.000Z');
  });

  it('answers the offset on both sides of a transition, to the millisecond, whichever side was asked first (offsets are kept per quarter hour)', () => {
    const cases: [string, string, number, number][] = [
      // zone, the transition's instant, offset before, offset after
      ['Europe/Berlin', '2024-03-31T01:00:00.000Z', 60, 120],
      ['Europe/Berlin', '2024-10-27T01:00:00.000Z', 120, 60],
      ['America/New_York', '2024-11-03T06:00:00.000Z', -240, -300],
      // Lord Howe moves by half an hour, Chatham sits at +12:45 / +13:45
      ['Australia/Lord_Howe', '2024-04-06T15:00:00.000Z', 660, 630],
      ['Pacific/Chatham', '2024-09-28T14:00:00.000Z', 765, 825],
    ];
    for (const [zone, iso, before, after] of cases) {
      const at = new Date(iso).getTime();
      expect([zone, utcOffsetMinutes(zone, new Date(at - 1))]).toEqual([zone, before]);
      expect([zone, utcOffsetMinutes(zone, new Date(at))]).toEqual([zone, after]);
      expect([zone, utcOffsetMinutes(zone, new Date(at + 14 * 60000))]).toEqual([zone, after]);
      expect([zone, utcOffsetMinutes(zone, new Date(at - 14 * 60000))]).toEqual([zone, before]);
    }
    // asked after first, then before, in the quarter hours next to the transition
    expect(utcOffsetMinutes('Europe/Paris', new Date('2024-03-31T01:00:00.001Z'))).toBe(120);
    expect(utcOffsetMinutes('Europe/Paris', new Date('2024-03-31T00:59:59.999Z'))).toBe(60);
  });

  it('gives a location its local days with sunrise and sunset, or nulls without coordinates', () => {
    const location = { id: 'l', name: 'NY', timeZone: 'America/New_York', mode: 'Home', latitude: 40.7128, longitude: -74.006 };
    const snap = snapshotLocation(location, ['Home'], new Date('2024-12-21T03:00:00Z'));
    // 03:00 UTC is still the 20th in New York: the second day (index 1) is the 20th
    expect(snap.sun?.[1]).toMatchObject({ start: '2024-12-20T05:00:00.000Z', end: '2024-12-21T05:00:00.000Z' });
    expect(minutesApart(new Date(snap.sun?.[2].sunset ?? ''), '2024-12-21T21:32:00Z')).toBeLessThan(3);
    expect(snap.utcOffsets).toEqual({ 'America/New_York': -300, UTC: 0 });
    const nowhere = snapshotLocation({ ...location, latitude: null, longitude: null }, [], new Date('2024-12-21T03:00:00Z'));
    expect(nowhere.sun?.[1]).toMatchObject({ sunrise: null, sunset: null });
  });
});
