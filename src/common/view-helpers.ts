import type hbsModule from 'hbs';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { zonedDate } from './zoned-date';

export function registerViewHelpers(hbs: typeof hbsModule, partialsDir: string): void {
  // hbs.registerPartials reads the folder asynchronously; the first request must not race it
  for (const file of readdirSync(partialsDir).filter((f) => f.endsWith('.hbs'))) {
    hbs.registerPartial(basename(file, '.hbs'), readFileSync(join(partialsDir, file), 'utf8'));
  }
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hbs.registerHelper('json', (value: unknown) => JSON.stringify(value, null, 2));
  // {{zonedDate at timeZone}}: in the location's zone (the extra handlebars options argument is ignored)
  hbs.registerHelper('zonedDate', (value: unknown, timeZone: unknown) => zonedDate(value, timeZone));
  hbs.registerHelper('isoDate', (value: unknown) => (value instanceof Date ? value.toISOString() : ''));
  hbs.registerHelper('date', (value: unknown) => (value instanceof Date ? value.toISOString().replace('T', ' ').slice(0, 19) + ' UTC' : ''));
}
