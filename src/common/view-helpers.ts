import type hbsModule from 'hbs';

export function registerViewHelpers(hbs: typeof hbsModule): void {
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hbs.registerHelper('json', (value: unknown) => JSON.stringify(value, null, 2));
  hbs.registerHelper('date', (value: unknown) => (value instanceof Date ? value.toISOString().replace('T', ' ').slice(0, 19) + ' UTC' : ''));
}
