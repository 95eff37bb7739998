export type CoordinatesCheck = { ok: true; latitude: number | null; longitude: number | null } | { ok: false; message: string };

function decimal(text: string): number | null {
  return /^[-+]?\d{1,3}(\.\d{1,8})?$/.test(text) ? Number(text) : null;
}

/** Both empty clears them; otherwise both decimal degrees, latitude -90..90, longitude -180..180. */
export function checkCoordinates(latitudeText: string, longitudeText: string): CoordinatesCheck {
  const lat = latitudeText.trim();
  const lon = longitudeText.trim();
  if (lat === '' && lon === '') {
    return { ok: true, latitude: null, longitude: null };
  }
  const latitude = decimal(lat);
  const longitude = decimal(lon);
  const problems: string[] = [];
  if (latitude === null || latitude < -90 || latitude > 90) {
    problems.push('Latitude must be a number of degrees from -90 to 90, like 40.7128');
  }
  if (longitude === null || longitude < -180 || longitude > 180) {
    problems.push('Longitude must be a number of degrees from -180 to 180, like -74.006');
  }
  return problems.length > 0 || latitude === null || longitude === null ? { ok: false, message: problems.join('. ') } : { ok: true, latitude, longitude };
}
