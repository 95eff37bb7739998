import type { SnapshotLocation, SunDay } from '../sandbox/sandbox.types';
import type { LocationView } from './locations.service';
import { sunTimes } from './solar';
import { localDate, utcOffsetMinutes, zonedInstant } from './zone-time';

const DAYS_BEFORE = 1;
const DAYS_AFTER = 7;

/** The local days around `now` with their sunrise and sunset: QuickJS has neither Intl nor the tables. */
export function sunDays(location: Pick<LocationView, 'timeZone' | 'latitude' | 'longitude'>, now: Date): SunDay[] {
  const [year, month, day] = localDate(location.timeZone, now);
  // the same for every call of a place's local day: computed once (a warm install-URL call is hot)
  const key = `${location.timeZone}|${location.latitude}|${location.longitude}|${year}-${month}-${day}`;
  const known = sunDaysByPlace.get(key);
  if (known) {
    return known;
  }
  const days = computeSunDays(location, year, month, day);
  if (sunDaysByPlace.size >= 10000) {
    sunDaysByPlace.clear();
  }
  sunDaysByPlace.set(key, days);
  return days;
}

const sunDaysByPlace = new Map<string, SunDay[]>();

function computeSunDays(location: Pick<LocationView, 'timeZone' | 'latitude' | 'longitude'>, year: number, month: number, day: number): SunDay[] {
  const days: SunDay[] = [];
  for (let i = -DAYS_BEFORE; i <= DAYS_AFTER; i++) {
    const start = zonedInstant(location.timeZone, year, month, day + i);
    const end = zonedInstant(location.timeZone, year, month, day + i + 1);
    const hasPlace = location.latitude !== null && location.longitude !== null;
    // the UTC day holding local noon, so a zone far from Greenwich gets its own day's sun
    const noon = new Date(Date.UTC(year, month - 1, day + i, 12) - (location.longitude ?? 0) * 4 * 60000);
    const sun = hasPlace ? sunTimes(noon, location.latitude ?? 0, location.longitude ?? 0) : { sunrise: null, sunset: null };
    days.push({ start: start.toISOString(), end: end.toISOString(), sunrise: sun.sunrise?.toISOString() ?? null, sunset: sun.sunset?.toISOString() ?? null });
  }
  return days;
}

/** ctx.location as a handler sees it, with what ctx.getSunriseAndSunset and ctx.timeToday need. */
export function snapshotLocation(location: LocationView, modes: string[], now: Date): SnapshotLocation {
  return {
    id: location.id,
    name: location.name,
    timeZone: location.timeZone,
    mode: location.mode,
    modes,
    latitude: location.latitude,
    longitude: location.longitude,
    sun: sunDays(location, now),
    utcOffsets: { [location.timeZone]: utcOffsetMinutes(location.timeZone, now), UTC: 0 },
  };
}
