// The IANA zones this Node knows, for the location form; UTC first.
export const TIME_ZONES: readonly string[] = ['UTC', ...Intl.supportedValuesOf('timeZone').filter((z) => z !== 'UTC')];

export function isTimeZone(value: string): boolean {
  return TIME_ZONES.includes(value);
}
