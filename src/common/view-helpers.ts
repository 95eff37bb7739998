import type hbsModule from 'hbs';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { zonedDate } from './zoned-date';

/** "2026-12-02 14:05:09 CET": a time as the location's clock shows it; UTC when the zone is unknown. */
export function formatInZone(date: Date, timeZone: string | null | undefined): string {
  const zone = timeZone || 'UTC';
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-CA', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
    }).formatToParts(date);
  } catch {
    return formatInZone(date, 'UTC');
  }
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}:${part('second')} ${part('timeZoneName')}`;
}

export function registerViewHelpers(hbs: typeof hbsModule, partialsDir: string): void {
  // hbs.registerPartials reads the folder asynchronously; the first request must not race it
  for (const file of readdirSync(partialsDir).filter((f) => f.endsWith('.hbs'))) {
    hbs.registerPartial(basename(file, '.hbs'), readFileSync(join(partialsDir, file), 'utf8'));
  }
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hbs.registerHelper('json', (value: unknown) => JSON.stringify(value, null, 2));
  hbs.registerHelper('dateIn', (value: unknown, timeZone: unknown) => (value instanceof Date ? formatInZone(value, typeof timeZone === 'string' ? timeZone : null) : ''));
  // {{zonedDate at timeZone}}: in the location's zone (the extra handlebars options argument is ignored)
  hbs.registerHelper('zonedDate', (value: unknown, timeZone: unknown) => zonedDate(value, timeZone));
  hbs.registerHelper('isoDate', (value: unknown) => (value instanceof Date ? value.toISOString() : ''));
  hbs.registerHelper('date', (value: unknown) => (value instanceof Date ? value.toISOString().replace('T', ' ').slice(0, 19) + ' UTC' : ''));
}
