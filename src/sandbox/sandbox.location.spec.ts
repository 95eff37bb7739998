import { snapshotLocation } from '../locations/location-snapshot';
import { SandboxService } from './sandbox.service';
import { snapshotWith } from './sandbox.testing';
import type { Effects, SandboxResult, Snapshot } from './sandbox.types';

const NOW = new Date('2024-12-21T03:00:00.000Z');
const location = snapshotLocation(
  { id: 'loc-1', name: 'Cabin', timeZone: 'America/New_York', mode: 'Home', latitude: 40.7128, longitude: -74.006 },
  ['Home', 'Away', 'Night'],
  NOW,
);
const snapshot = (over: Partial<Snapshot> = {}): Snapshot => snapshotWith({ location, now: NOW.toISOString(), ...over });

describe('ctx location members', () => {
  const service = new SandboxService();
  afterAll(() => service.onModuleDestroy());

  const run = (handler: string, snap: Snapshot = snapshot()): Promise<SandboxResult> =>
    service.run({ versionKey: `v-${handler.length}`, source: `export default { handlers: { h(ctx) { ${handler} } } }`, handler: { kind: 'mapping', name: 'h' }, snapshot: snap });
  const effectsOf = (result: SandboxResult): Effects => {
    if (!result.ok) {
      throw new Error(`${result.error.kind}: ${result.error.message}`);
    }
    return result.effects;
  };
  const valueOf = async (handler: string, snap?: Snapshot) => {
    const response = effectsOf(await run(handler, snap)).response;
    return response.kind === 'value' ? response.value : null;
  };

  it('shows the location with its mode and modes, without the host-only parts', async () => {
    expect(await valueOf('return ctx.location')).toEqual({
      id: 'loc-1',
      name: 'Cabin',
      timeZone: 'America/New_York',
      latitude: 40.7128,
      longitude: -74.006,
      mode: 'Home',
      currentMode: { name: 'Home' },
      modes: [{ id: 'Home', name: 'Home' }, { id: 'Away', name: 'Away' }, { id: 'Night', name: 'Night' }],
    });
  });

  it('records setLocationMode and reads it back; refuses an unknown mode', async () => {
    const effects = effectsOf(await run('ctx.setLocationMode("Away"); return ctx.location.mode'));
    expect(effects.locationMode).toBe('Away');
    expect(effects.response).toEqual({ kind: 'value', value: 'Away' });
    const failed = await run('ctx.setLocationMode("Party")');
    expect(failed.ok).toBe(false);
    expect(failed.ok ? '' : failed.error.message).toContain('"Party" is not a mode of this location (its modes: Home, Away, Night)');
  });

  it('records a mode subscription on the location', async () => {
    const effects = effectsOf(await run('ctx.subscribe(ctx.location, "mode", "onMode"); ctx.subscribe(ctx.location, "mode.Away", "onAway")'));
    expect(effects.subscriptions).toEqual([
      { op: 'subscribeLocation', attribute: 'mode', value: null, handler: 'onMode' },
      { op: 'subscribeLocation', attribute: 'mode', value: 'Away', handler: 'onAway' },
    ]);
    expect((await run('ctx.subscribe(ctx.location, "temperature", "x")')).ok).toBe(false);
  });

  it('gives sunrise and sunset of the local day as Dates, with offsets', async () => {
    const value = await valueOf(`
      const today = ctx.getSunriseAndSunset();
      const later = ctx.getSunriseAndSunset({ date: new Date("2024-12-21T15:00:00Z"), sunriseOffset: "-00:30", sunsetOffset: 15 });
      return { isDate: today.sunrise instanceof Date, rise: today.sunrise.toISOString(), set: today.sunset.toISOString(),
               rise2: later.sunrise.toISOString(), set2: later.sunset.toISOString() }`);
    const v = value as Record<string, string | boolean>;
    expect(v.isDate).toBe(true);
    // 03:00 UTC on the 21st is the 20th in New York
    expect(v.rise).toBe(location.sun?.[1].sunrise);
    expect(Date.parse(v.rise2 as string)).toBe(Date.parse(location.sun?.[2].sunrise ?? '') - 30 * 60000);
    expect(Date.parse(v.set2 as string)).toBe(Date.parse(location.sun?.[2].sunset ?? '') + 15 * 60000);
  });

  it('gives null sunrise and sunset without coordinates', async () => {
    const bare = snapshotLocation({ id: 'l', name: 'X', timeZone: 'UTC', mode: 'Home', latitude: null, longitude: null }, ['Home'], NOW);
    expect(await valueOf('return ctx.getSunriseAndSunset()', snapshot({ location: bare }))).toEqual({ sunrise: null, sunset: null });
  });

  it('timeToday is today in the location time zone', async () => {
    // New York, 2024-12-20 22:00 local: 07:30 today is 12:30 UTC on the 20th
    expect(await valueOf('return ctx.timeToday("07:30").toISOString()')).toBe('2024-12-20T12:30:00.000Z');
    expect(await valueOf('return ctx.timeToday("2015-01-09T15:50:32.000-0600", "UTC").toISOString()')).toBe('2024-12-21T15:50:00.000Z');
    expect((await run('ctx.timeToday("25:00")')).ok).toBe(false);
    expect((await run('ctx.timeToday("07:30", "Asia/Tokyo")')).ok).toBe(false);
  });

  it('records notifications, capped in length', async () => {
    const effects = effectsOf(await run('ctx.sendPush("Door open"); ctx.sendNotification("x".repeat(5000))'));
    expect(effects.notifications).toEqual([
      { kind: 'push', message: 'Door open' },
      { kind: 'notification', message: 'x'.repeat(1000) },
    ]);
  });
});
