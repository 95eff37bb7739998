import { CronExpressionParser } from 'cron-parser';

export type CronCheck = { ok: true } | { ok: false; message: string };

// schedule(cron, handler): 5 fields (minute hour day month weekday) or 6 with seconds first, as
// SmartThings' Quartz expressions have; `?` is accepted for "any". At most one run a minute: with
// 6 fields the seconds field must name a single second.
export function checkCron(cron: string): CronCheck {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) {
    return { ok: false, message: `"${cron.slice(0, 100)}" has ${fields.length} fields; a cron expression has 5 (minute hour day month weekday) or 6 (seconds first)` };
  }
  try {
    const expression = CronExpressionParser.parse(fields.join(' '), { tz: 'UTC' });
    if (expression.fields.second.values.length !== 1) {
      return { ok: false, message: `"${cron}" runs more than once a minute; the shortest interval is one minute` };
    }
    expression.next();
    return { ok: true };
  } catch (err) {
    return { ok: false, message: `"${cron.slice(0, 100)}" is not a valid cron expression: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** The first run strictly after `after`, in the location's time zone (UTC when that zone is unknown). */
export function nextCronRun(cron: string, after: Date, timeZone: string): Date {
  const expression = cron.trim().split(/\s+/).join(' ');
  try {
    return CronExpressionParser.parse(expression, { currentDate: after, tz: timeZone }).next().toDate();
  } catch {
    return CronExpressionParser.parse(expression, { currentDate: after, tz: 'UTC' }).next().toDate();
  }
}
