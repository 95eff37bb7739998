import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
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

  it('takes over a delivery claimed by an instance that died, once the claim is stale', async () => {
    const app = t!;
    const clock = manualClock(app, new Date('2025-05-01T12:00:00Z'));
    await addDevice(app, 'Orphan Light', ['switch']);
    const id = await install(app, await publishApp(app, COUNTER.replace('Restart Counter', 'Orphan Counter')), [{ input: 'switches', device: 'Orphan Light', capability: 'switch' }]);
    await userCommand(app, 'Orphan Light', 'on');
    // an instance claimed it and died before running the handler
    await app.write((m) => m.getRepository(EventDelivery).update({ installationId: id }, { claimedBy: 'dead-instance', claimedAt: clock.now() }));
    expect(await app.app.get(EventOutbox).drain()).toBe(0);
    clock.advance(4 * 60 * 1000);
    expect(await app.app.get(EventOutbox).drain()).toBe(0);
    clock.advance(60 * 1000 + 1);
    expect(await app.app.get(EventOutbox).drain()).toBe(1);
    expect((await stateOf(app, id)).seen).toEqual(['on']);
  });
});
