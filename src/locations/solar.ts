// Sunrise and sunset, NOAA's general solar position formulas (the "fractional year" method in
// https://gml.noaa.gov/grad/solcalc/solareqns.PDF): good to about a minute below the polar circles.
// The zenith of 90.833° allows for refraction and the sun's radius, as NOAA's calculator does.

const RAD = Math.PI / 180;
const ZENITH = 90.833 * RAD;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface SunTimes {
  /** null when the sun does not rise or set that day (polar night or day) */
  sunrise: Date | null;
  sunset: Date | null;
}

/** Sunrise and sunset of the UTC calendar day that contains `noonUtc` (pass the location's local noon). */
export function sunTimes(noonUtc: Date, latitude: number, longitude: number): SunTimes {
  const start = Date.UTC(noonUtc.getUTCFullYear(), 0, 1);
  const dayOfYear = Math.floor((Date.UTC(noonUtc.getUTCFullYear(), noonUtc.getUTCMonth(), noonUtc.getUTCDate()) - start) / DAY_MS) + 1;
  const gamma = ((2 * Math.PI) / 365) * (dayOfYear - 1);
  const eqTime =
    229.18 *
    (0.000075 + 0.001868 * Math.cos(gamma) - 0.032077 * Math.sin(gamma) - 0.014615 * Math.cos(2 * gamma) - 0.040849 * Math.sin(2 * gamma));
  const decl =
    0.006918 -
    0.399912 * Math.cos(gamma) +
    0.070257 * Math.sin(gamma) -
    0.006758 * Math.cos(2 * gamma) +
    0.000907 * Math.sin(2 * gamma) -
    0.002697 * Math.cos(3 * gamma) +
    0.00148 * Math.sin(3 * gamma);
  const lat = latitude * RAD;
  const cosHourAngle = Math.cos(ZENITH) / (Math.cos(lat) * Math.cos(decl)) - Math.tan(lat) * Math.tan(decl);
  if (cosHourAngle > 1 || cosHourAngle < -1) {
    return { sunrise: null, sunset: null };
  }
  const hourAngle = Math.acos(cosHourAngle) / RAD;
  const midnight = Date.UTC(noonUtc.getUTCFullYear(), noonUtc.getUTCMonth(), noonUtc.getUTCDate());
  const minutes = (ha: number) => 720 - 4 * (longitude + ha) - eqTime;
  return {
    sunrise: new Date(midnight + minutes(hourAngle) * 60 * 1000),
    sunset: new Date(midnight + minutes(-hourAngle) * 60 * 1000),
  };
}
