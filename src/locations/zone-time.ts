// Local days and offsets of IANA time zones, with Intl (the host has it; QuickJS does not).
import { zoneFormatter } from '../common/zoned-date';

// Zones change their offset only at whole quarter hours of UTC (offsets and transitions are
// multiples of 15 minutes), so an offset found once holds for its whole quarter hour.
const QUARTER_HOUR_MS = 15 * 60 * 1000;
const MAX_OFFSETS = 2000;
const offsets = new Map<string, number>();

/** The zone's offset from UTC at `at`, in minutes (e.g. -300 for New York in winter). */
export function utcOffsetMinutes(timeZone: string, at: Date): number {
  const key = `${timeZone}|${Math.floor(at.getTime() / QUARTER_HOUR_MS)}`;
  const known = offsets.get(key);
  if (known !== undefined) {
    return known;
  }
  const offset = computeOffsetMinutes(timeZone, at);
  if (offsets.size >= MAX_OFFSETS) {
    offsets.clear();
  }
  offsets.set(key, offset);
  return offset;
}

function computeOffsetMinutes(timeZone: string, at: Date): number {
  const parts = zoneFormatter(timeZone).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((asUtc - (at.getTime() - at.getMilliseconds())) / 60000);
}

/** The local calendar date at `at` in the zone, as [year, month (1-12), day]. */
export function localDate(timeZone: string, at: Date): [number, number, number] {
  const shifted = new Date(at.getTime() + utcOffsetMinutes(timeZone, at) * 60000);
  return [shifted.getUTCFullYear(), shifted.getUTCMonth() + 1, shifted.getUTCDate()];
}

/** The instant of local wall-clock time y-m-d h:min in the zone (the offset is taken at that time). */
export function zonedInstant(timeZone: string, year: number, month: number, day: number, hour = 0, minute = 0): Date {
  const guess = Date.UTC(year, month - 1, day, hour, minute);
  const first = guess - utcOffsetMinutes(timeZone, new Date(guess)) * 60000;
  // a second pass settles days where the offset changes between the guess and the answer
  return new Date(guess - utcOffsetMinutes(timeZone, new Date(first)) * 60000);
}
