import { AppConfig } from '../../src/config/app-config';
import { APP_CONFIG } from '../../src/config/config.module';
import { Transactions } from '../../src/database/transactions';
import { Clock } from '../../src/events/clock';
import { HandlerBudget } from '../../src/events/handler-budget.service';
import { InstanceIdentity } from '../../src/events/instance-identity';
import { Scheduler } from '../../src/events/scheduler.service';
import { EventOutbox } from '../../src/events/event-outbox.service';
import { WakeUp } from '../../src/events/wake-up';
import { InstallationRuntime } from '../../src/installations/installation-runtime.service';
import { InstallationsService } from '../../src/installations/installations.service';
import { LocationsService } from '../../src/locations/locations.service';
import { UninstallService } from '../../src/oauth/uninstall.service';
import { addDevice, appLogOf, deviceState, exampleSource, install, manualClock, ManualClock, publishApp, PublishedApp, sensorReading, stateOf } from '../factories/events';
import { startTestApp, TestApp } from '../helpers/test-app';

const MINUTE = 60 * 1000;

// installed(): one runIn with data, one cron schedule, as the settings ask
const TIMERS = `
export default {
  definition: { name: 'Timers', namespace: 'test.schedules', author: 'Tests', description: 'runIn and schedule', category: 'Test' },
  preferences: [{ section: 'Timing', inputs: [
    { name: 'delay', type: 'number', title: 'runIn seconds', required: false, defaultValue: -1 },
    { name: 'cron', type: 'text', title: 'cron', required: false },
    { name: 'copies', type: 'number', title: 'runIn copies without overwrite', required: false, defaultValue: 1 } ] }],
  mappings: {},
  installed(ctx) {
    if (ctx.settings.delay >= 0) {
      for (let i = 0; i < ctx.settings.copies; i++) {
        ctx.runIn(ctx.settings.delay, 'later', { data: { n: i }, overwrite: ctx.settings.copies === 1 })
      }
    }
    if (ctx.settings.cron) { ctx.schedule(ctx.settings.cron, 'tick') }
  },
  handlers: {
    later(ctx, evt) { ctx.state.later = (ctx.state.later || []).concat([evt.data.n]) },
    tick(ctx, evt) {
      ctx.state.ticks = (ctx.state.ticks || []).concat([evt.date])
      if (ctx.state.ticks.length === 3) { ctx.unschedule('tick') }
    },
  },
}`;

describe('schedules: runIn and schedule run on the injectable clock', () => {
  let t: TestApp;
  let clock: ManualClock;
  let timers: PublishedApp;
  const tick = () => t.app.get(Scheduler).tick();
  const jobsOf = (id: string) => t.app.get(Scheduler).jobsOf(id);

  beforeAll(async () => {
    t = await startTestApp({ SCHEDULES_MAX_PENDING: '5' });
    clock = manualClock(t, new Date('2025-03-03T10:00:30Z'));
    timers = await publishApp(t, TIMERS);
  });
  afterAll(async () => {
    await t.close();
  });

  it('runs a runIn handler with its data once its time has come, not before', async () => {
    const id = await install(t, timers, [], { delay: 90, cron: null, copies: 1 });
    expect(await tick()).toBe(0);
    clock.advance(89 * 1000);
    expect(await tick()).toBe(0);
    clock.advance(1000);
    expect(await tick()).toBe(1);
    expect((await stateOf(t, id)).later).toEqual([0]);
    expect(await jobsOf(id)).toEqual([]);
    await t.app.get(UninstallService).uninstall(id, 'test');
  });

  it('runs a cron schedule at each occurrence in the location’s time zone until unscheduled', async () => {
    // Home is in Europe/London: 07:30 local is 06:30Z in summer time
    clock.set(new Date('2025-06-03T06:00:00Z'));
    const id = await install(t, timers, [], { delay: -1, cron: '0 30 7 * * ?', copies: 1 });
    expect((await jobsOf(id)).map((j) => j.runAt.toISOString())).toEqual(['2025-06-03T06:30:00.000Z']);
    clock.set(new Date('2025-06-03T06:30:00Z'));
    expect(await tick()).toBe(1);
    expect(await tick()).toBe(0);
    expect((await jobsOf(id)).map((j) => j.runAt.toISOString())).toEqual(['2025-06-04T06:30:00.000Z']);
    clock.set(new Date('2025-06-04T06:30:05Z'));
    expect(await tick()).toBe(1);
    // the third run unschedules itself
    clock.set(new Date('2025-06-05T06:31:00Z'));
    expect(await tick()).toBe(1);
    expect(await jobsOf(id)).toEqual([]);
    expect((await stateOf(t, id)).ticks).toEqual(['2025-06-03T06:30:00.000Z', '2025-06-04T06:30:00.000Z', '2025-06-05T06:30:00.000Z']);
  });

  it('runs an overdue cron job once after downtime and moves it to its next occurrence after now', async () => {
    clock.set(new Date('2025-06-10T12:00:30Z'));
    const id = await install(t, timers, [], { delay: -1, cron: '*/5 * * * *', copies: 1 });
    // an hour without ticking: twelve occurrences missed
    clock.set(new Date('2025-06-10T13:02:00Z'));
    expect(await tick()).toBe(1);
    expect((await stateOf(t, id)).ticks).toEqual(['2025-06-10T12:05:00.000Z']);
    expect((await jobsOf(id)).map((j) => j.runAt.toISOString())).toEqual(['2025-06-10T13:05:00.000Z']);
    await t.app.get(UninstallService).uninstall(id, 'test');
    expect(await jobsOf(id)).toEqual([]);
  });

  it('refuses a cron expression that runs more often than once a minute, or is not cron at all', async () => {
    const fast = await install(t, timers, [], { delay: -1, cron: '*/10 * * * * *', copies: 1 });
    const bad = await install(t, timers, [], { delay: -1, cron: 'every morning', copies: 1 });
    expect(await jobsOf(fast)).toEqual([]);
    expect(await jobsOf(bad)).toEqual([]);
    expect((await appLogOf(t, fast)).join('\n')).toContain('runs more than once a minute; the shortest interval is one minute');
    expect((await appLogOf(t, bad)).join('\n')).toContain('has 2 fields');
  });

  it('keeps at most the configured number of pending jobs per installation', async () => {
    const id = await install(t, timers, [], { delay: 600, cron: null, copies: 7 });
    expect(await jobsOf(id)).toHaveLength(5);
    expect((await appLogOf(t, id)).join('\n')).toContain('refused: an installation may have at most 5 pending scheduled jobs');
    await t.app.get(UninstallService).uninstall(id, 'test');
  });

  it('claims each due job for exactly one of two scheduler instances on one database', async () => {
    clock.set(new Date('2025-04-01T00:00:00Z'));
    const id = await install(t, timers, [], { delay: 30, cron: null, copies: 5 });
    // a second scheduler with its own identity, as another app instance would have
    const other = new Scheduler(
      t.app.get<AppConfig>(APP_CONFIG),
      t.app.get(Transactions),
      t.app.get(Clock),
      new InstanceIdentity(),
      t.app.get(InstallationRuntime),
      t.app.get(InstallationsService),
      t.app.get(LocationsService),
      t.app.get(HandlerBudget),
      t.app.get(WakeUp),
    );
    clock.advance(MINUTE);
    const [mine, theirs] = await Promise.all([t.app.get(Scheduler).tick(), other.tick()]);
    expect(mine + theirs).toBe(5);
    expect(((await stateOf(t, id)).later as number[]).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(await jobsOf(id)).toEqual([]);
  });

  it('runs "Lights follow the door": on when it opens, off N minutes after it closes', async () => {
    await addDevice(t, 'Garage Door', ['contactSensor']);
    await addDevice(t, 'Garage Light', ['switch']);
    const app = await publishApp(t, exampleSource('lights-follow-door.js'));
    const id = await install(
      t,
      app,
      [
        { input: 'door', device: 'Garage Door', capability: 'contactSensor' },
        { input: 'lights', device: 'Garage Light', capability: 'switch' },
      ],
      { minutes: 3 },
    );
    const drain = () => t.app.get(EventOutbox).drain();
    await sensorReading(t, 'Garage Door', 'contact', 'open');
    await drain();
    expect((await deviceState(t, 'Garage Light')).switch).toBe('on');
    await sensorReading(t, 'Garage Door', 'contact', 'closed');
    await drain();
    clock.advance(2 * MINUTE);
    expect(await tick()).toBe(0);
    expect((await deviceState(t, 'Garage Light')).switch).toBe('on');
    clock.advance(MINUTE);
    expect(await tick()).toBe(1);
    expect((await deviceState(t, 'Garage Light')).switch).toBe('off');
    // opening again before the time is up cancels the switch-off
    await sensorReading(t, 'Garage Door', 'contact', 'open');
    await drain();
    await sensorReading(t, 'Garage Door', 'contact', 'closed');
    await drain();
    await sensorReading(t, 'Garage Door', 'contact', 'open');
    await drain();
    clock.advance(10 * MINUTE);
    expect(await tick()).toBe(0);
    expect((await deviceState(t, 'Garage Light')).switch).toBe('on');
    expect(await jobsOf(id)).toEqual([]);
  });
});
