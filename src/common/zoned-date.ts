import { isTimeZone } from '../web/time-zones';

// Building an Intl.DateTimeFormat costs far more than using one: one per zone, kept (zones are few)
const formats = new Map<string, Intl.DateTimeFormat>();

/** The zone's wall-clock parts (year … second, 24 h) and its short name; one formatter per zone, shared by every user of zone times. */
export function zoneFormatter(timeZone: string): Intl.DateTimeFormat {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      timeZoneName: 'short',
    });
    if (formats.size >= 1000) {
      formats.clear();
    }
    formats.set(timeZone, format);
  }
  return format;
}

/** "2026-12-02 08:15:00 EST": a time as people of the location read it (UTC when the zone is unknown). */
export function zonedDate(value: unknown, timeZone: unknown): string {
  const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : null;
  if (!date || Number.isNaN(date.getTime())) {
    return '';
  }
  const zone = typeof timeZone === 'string' && isTimeZone(timeZone) ? timeZone : 'UTC';
  const parts = zoneFormatter(zone).formatToParts(date);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}:${get('second')} ${get('timeZoneName')}`;
}
