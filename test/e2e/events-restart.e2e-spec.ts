import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { In } from 'typeorm';
import { InstanceHeartbeat } from '../../src/events/claims/instance-heartbeat.entity';
import { MISSED_BEATS } from '../../src/events/claims/heartbeat';
import { EventDelivery } from '../../src/events/event-delivery.entity';
import { EventOutbox } from '../../src/events/event-outbox.service';
import { addDevice, install, manualClock, publishApp, stateOf, userCommand } from '../factories/events';
import { startTestApp, TestApp } from '../helpers/test-app';

const COUNTER = `
export default {
  definition: { name: 'Restart Counter', namespace: 'test.restart', author: 'Tests', description: 'counts events', category: 'Test' },
  preferences: [{ section: 'Devices', inputs: [{ name: 'switches', type: 'capability.switch', title: 'Switches', multiple: true, required: true }] }],
  mappings: {},
  installed(ctx) { ctx.subscribe(ctx.settings.switches, 'switch', 'onSwitch') },
  handlers: { onSwitch(ctx, evt) { ctx.state.seen = (ctx.state.seen || []).concat([evt.value]) } },
}`;

describe('the outbox survives a restart between a device change and its delivery', () => {
  const file = join(tmpdir(), `smartapp-events-restart-${randomUUID()}.sqlite`);
  // the same database for both starts: a temporary SQLite file, or the PostgreSQL under test
  const env: Record<string, string> = process.env.DATABASE_URL ? {} : { DATABASE_URL: `sqlite:${file}` };
  let t: TestApp | null = null;

  afterAll(async () => {
    await t?.close();
    for (const suffix of ['', '-wal', '-shm']) {
      rmSync(`${file}${suffix}`, { force: true });
    }
  });

  it('delivers a change committed before the app stopped once the next app starts', async () => {
    t = await startTestApp(env);
    await addDevice(t, 'Restart Light', ['switch']);
    const id = await install(t, await publishApp(t, COUNTER), [{ input: 'switches', device: 'Restart Light', capability: 'switch' }]);
    await userCommand(t, 'Restart Light', 'on');
    await userCommand(t, 'Restart Light', 'off');
    expect(await t.app.get(EventOutbox).pendingFor(id)).toBe(2);
    // stop before anything delivered it
    await t.close();
    t = null;

    t = await startTestApp(env, { dropSchemaOnStart: false });
    expect((await stateOf(t, id)).seen).toBeUndefined();
    expect(await t.app.get(EventOutbox).drain()).toBe(2);
    expect((await stateOf(t, id)).seen).toEqual(['on', 'off']);
    expect(await t.app.get(EventOutbox).pendingFor(id)).toBe(0);
  });

  it('takes over at once a delivery claimed by an instance whose heartbeat stopped', async () => {
    const app = t!;
    const clock = manualClock(app, new Date('2025-05-01T12:00:00Z'));
    await addDevice(app, 'Orphan Light', ['switch']);
    const id = await install(app, await publishApp(app, COUNTER.replace('Restart Counter', 'Orphan Counter')), [{ input: 'switches', device: 'Orphan Light', capability: 'switch' }]);
    await userCommand(app, 'Orphan Light', 'on');
    // an instance claimed it and is still beating: its claim holds
    await app.write((m) => m.getRepository(InstanceHeartbeat).save({ instanceId: 'other-instance', startedAt: clock.now(), beatAt: clock.now() }));
    await app.write((m) => m.getRepository(EventDelivery).update({ installationId: id }, { claimedBy: 'other-instance', claimedAt: clock.now() }));
    expect(await app.app.get(EventOutbox).drain()).toBe(0);
    // it died: a few heartbeat intervals later its claim is taken back, long before CLAIM_TIMEOUT_MS
    clock.advance(MISSED_BEATS * app.config.events.heartbeatMs - 1);
    expect(await app.app.get(EventOutbox).drain()).toBe(0);
    clock.advance(2);
    expect(await app.app.get(EventOutbox).drain()).toBe(1);
    expect((await stateOf(app, id)).seen).toEqual(['on']);
  });

  it('takes back a stuck claim of a live instance after CLAIM_TIMEOUT_MS, and only that installation waits', async () => {
    const app = t!;
    const clock = manualClock(app, new Date('2025-05-02T12:00:00Z'));
    await addDevice(app, 'Stuck Light', ['switch']);
    await addDevice(app, 'Free Light', ['switch']);
    const stuck = await install(app, await publishApp(app, COUNTER.replace('Restart Counter', 'Stuck Counter')), [{ input: 'switches', device: 'Stuck Light', capability: 'switch' }]);
    const free = await install(app, await publishApp(app, COUNTER.replace('Restart Counter', 'Free Counter')), [{ input: 'switches', device: 'Free Light', capability: 'switch' }]);
    await userCommand(app, 'Stuck Light', 'on');
    await userCommand(app, 'Stuck Light', 'off');
    await userCommand(app, 'Free Light', 'on');
    await app.write((m) => m.getRepository(InstanceHeartbeat).save({ instanceId: 'live-instance', startedAt: clock.now(), beatAt: clock.now() }));
    const head = await app.db.getRepository(EventDelivery).findOneOrFail({ where: { installationId: stuck }, order: { seq: 'ASC' } });
    await app.write((m) => m.getRepository(EventDelivery).update({ seq: head.seq }, { claimedBy: 'live-instance', claimedAt: clock.now() }));
    // the stuck head holds its own installation, not the others
    expect(await app.app.get(EventOutbox).drain()).toBe(1);
    expect((await stateOf(app, free)).seen).toEqual(['on']);
    expect(await app.app.get(EventOutbox).pendingFor(stuck)).toBe(2);
    clock.advance(app.config.events.claimTimeoutMs + 1);
    await app.write((m) => m.getRepository(InstanceHeartbeat).update({ instanceId: 'live-instance' }, { beatAt: clock.now() }));
    expect(await app.app.get(EventOutbox).drain()).toBe(2);
    expect((await stateOf(app, stuck)).seen).toEqual(['on', 'off']);
  });

  it('scans fairly: heads that cannot run never fill a round', async () => {
    const app = t!;
    const clock = manualClock(app, new Date('2025-05-03T12:00:00Z'));
    await app.write((m) => m.getRepository(InstanceHeartbeat).save({ instanceId: 'busy-instance', startedAt: clock.now(), beatAt: clock.now() }));
    const source = (n: number) => COUNTER.replace('Restart Counter', `Busy Counter ${n}`);
    const busy: string[] = [];
    // more installations than a round claims, every head claimed by a live instance
    for (let n = 0; n < 12; n++) {
      await addDevice(app, `Busy Light ${n}`, ['switch']);
      busy.push(await install(app, await publishApp(app, source(n)), [{ input: 'switches', device: `Busy Light ${n}`, capability: 'switch' }]));
      await userCommand(app, `Busy Light ${n}`, 'on');
    }
    await app.write((m) => m.getRepository(EventDelivery).update({ installationId: In(busy) }, { claimedBy: 'busy-instance', claimedAt: clock.now() }));
    await addDevice(app, 'Late Light', ['switch']);
    const late = await install(app, await publishApp(app, source(99)), [{ input: 'switches', device: 'Late Light', capability: 'switch' }]);
    await userCommand(app, 'Late Light', 'on');
    expect(await app.app.get(EventOutbox).drain()).toBe(1);
    expect((await stateOf(app, late)).seen).toEqual(['on']);
    await app.write((m) => m.getRepository(EventDelivery).delete({ installationId: In(busy) }));
  });
});
