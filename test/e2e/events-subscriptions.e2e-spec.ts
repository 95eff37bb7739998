import { ActivityLog } from '../../src/installations/activity-log.entity';
import { EventOutbox } from '../../src/events/event-outbox.service';
import { EventDelivery } from '../../src/events/event-delivery.entity';
import { Subscription } from '../../src/events/subscription.entity';
import { UninstallService } from '../../src/oauth/uninstall.service';
import { addDevice, appLogOf, deviceState, install, manualClock, publishApp, PublishedApp, sensorReading, stateOf, userCommand } from '../factories/events';
import { startTestApp, TestApp } from '../helpers/test-app';

// Records every event it hears and turns a switch it heard go on back off (its own command).
const RECORDER = `
export default {
  definition: { name: 'Event Recorder', namespace: 'test.events', author: 'Tests', description: 'records events', category: 'Test' },
  preferences: [{ section: 'Devices', inputs: [
    { name: 'switches', type: 'capability.switch', title: 'Switches', multiple: true, required: false },
    { name: 'doors', type: 'capability.contactSensor', title: 'Doors', multiple: true, required: false } ] }],
  mappings: {},
  installed(ctx) {
    ctx.subscribe(ctx.settings.switches, 'switch', 'onSwitch')
    ctx.subscribe(ctx.settings.doors, 'contact.open', 'onOpen')
  },
  handlers: {
    onSwitch(ctx, evt) {
      ctx.state.seen = (ctx.state.seen || []).concat([evt.displayName + ' ' + evt.name + '=' + evt.value + ' by ' + evt.source])
      if (evt.value === 'on') {
        ctx.settings.switches.find((d) => d.id === evt.deviceId).off()
      }
    },
    onOpen(ctx, evt) {
      ctx.state.opened = (ctx.state.opened || 0) + 1
    },
  },
}`;

// Two of these on one switch flip it for each other for ever, but for the handler budget.
const MIRROR = `
export default {
  definition: { name: 'Mirror', namespace: 'test.events', author: 'Tests', description: 'flips the switch back', category: 'Test' },
  preferences: [{ section: 'Devices', inputs: [{ name: 'switches', type: 'capability.switch', title: 'Switches', multiple: true, required: true }] }],
  mappings: {},
  installed(ctx) { ctx.subscribe(ctx.settings.switches, 'switch', 'flip') },
  handlers: {
    flip(ctx, evt) {
      ctx.state.runs = (ctx.state.runs || 0) + 1
      const d = ctx.settings.switches.find((s) => s.id === evt.deviceId)
      if (evt.value === 'on') { d.off() } else { d.on() }
    },
  },
}`;

// Counts the switch changes it hears, its own commands included (on purpose).
const OWN_LISTENER = `
export default {
  definition: { name: 'Own Listener', namespace: 'test.events', author: 'Tests', description: 'hears its own commands', category: 'Test' },
  preferences: [{ section: 'Devices', inputs: [{ name: 'switches', type: 'capability.switch', title: 'Switches', multiple: true, required: true }] }],
  mappings: {},
  installed(ctx) { ctx.subscribe(ctx.settings.switches, 'switch', 'heard', { includeOwn: true }) },
  handlers: {
    heard(ctx, evt) {
      ctx.state.heard = (ctx.state.heard || []).concat([evt.value + ' by ' + evt.source])
      if (evt.value === 'on') { ctx.settings.switches.find((d) => d.id === evt.deviceId).off() }
    },
  },
}`;

const MANY = `
export default {
  definition: { name: 'Subscribes A Lot', namespace: 'test.events', author: 'Tests', description: 'too many subscriptions', category: 'Test' },
  preferences: [{ section: 'Devices', inputs: [{ name: 'switches', type: 'capability.switch', title: 'Switches', multiple: true, required: true }] }],
  mappings: {},
  installed(ctx) {
    ctx.subscribe(ctx.settings.switches, 'switch', 'a')
    ctx.subscribe(ctx.settings.switches, 'switch', 'b')
  },
  handlers: { a() {}, b() {} },
}`;

describe('subscriptions: device changes reach subscribed handlers through the outbox', () => {
  let t: TestApp;
  let recorder: PublishedApp;
  const drain = () => t.app.get(EventOutbox).drain();
  const pending = (id: string) => t.app.get(EventOutbox).pendingFor(id);

  beforeAll(async () => {
    t = await startTestApp({ EVENT_HANDLER_BUDGET: '10', SUBSCRIPTIONS_MAX: '3' });
    manualClock(t);
    recorder = await publishApp(t, RECORDER);
  });
  afterAll(async () => {
    await t.close();
  });

  it('delivers the changes of a subscribed attribute to the handler in the order they happened', async () => {
    await addDevice(t, 'Order Light', ['switch']);
    const id = await install(t, recorder, [{ input: 'switches', device: 'Order Light', capability: 'switch' }]);
    await userCommand(t, 'Order Light', 'on');
    await sensorReading(t, 'Order Light', 'switch', 'off');
    await userCommand(t, 'Order Light', 'on');
    await sensorReading(t, 'Order Light', 'switch', 'on');
    // nothing runs inside the change's transaction: the deliveries wait in the outbox
    expect(await pending(id)).toBe(4);
    expect((await stateOf(t, id)).seen).toBeUndefined();
    await drain();
    expect((await stateOf(t, id)).seen).toEqual([
      'Order Light switch=on by user',
      'Order Light switch=off by simulator',
      'Order Light switch=on by user',
      'Order Light switch=on by simulator',
    ]);
    expect(await pending(id)).toBe(0);
  });

  it('does not re-trigger a handler with its own command (no self-trigger loop)', async () => {
    await addDevice(t, 'Self Light', ['switch']);
    const id = await install(t, recorder, [{ input: 'switches', device: 'Self Light', capability: 'switch' }]);
    await userCommand(t, 'Self Light', 'on');
    await drain();
    // the handler turned the light off; that change is recorded but not delivered back to it
    expect((await deviceState(t, 'Self Light')).switch).toBe('off');
    expect((await stateOf(t, id)).seen).toEqual(['Self Light switch=on by user']);
    expect(await t.db.getRepository(EventDelivery).count()).toBe(0);
  });

  it('delivers an installation’s own command when it subscribed with includeOwn on purpose', async () => {
    await addDevice(t, 'Own Light', ['switch']);
    const app = await publishApp(t, OWN_LISTENER);
    const id = await install(t, app, [{ input: 'switches', device: 'Own Light', capability: 'switch' }]);
    expect((await t.db.getRepository(Subscription).findOneByOrFail({ installationId: id })).includeOwn).toBe(true);
    await userCommand(t, 'Own Light', 'on');
    await drain();
    expect((await stateOf(t, id)).heard).toEqual(['on by user', 'off by app']);
  });

  it('delivers another installation’s command to a subscriber, with source "app"', async () => {
    await addDevice(t, 'Shared Light', ['switch']);
    const a = await install(t, recorder, [{ input: 'switches', device: 'Shared Light', capability: 'switch' }]);
    const b = await install(t, recorder, [{ input: 'switches', device: 'Shared Light', capability: 'switch' }]);
    await userCommand(t, 'Shared Light', 'on');
    await drain();
    // both heard "on" and turned the light off; each heard the other's "off" but not its own
    for (const id of [a, b]) {
      expect((await stateOf(t, id)).seen).toEqual(['Shared Light switch=on by user', 'Shared Light switch=off by app']);
    }
  });

  it('matches an "attribute.value" subscription on that value only', async () => {
    await addDevice(t, 'Back Door', ['contactSensor']);
    const id = await install(t, recorder, [{ input: 'doors', device: 'Back Door', capability: 'contactSensor' }]);
    await sensorReading(t, 'Back Door', 'contact', 'open');
    await sensorReading(t, 'Back Door', 'contact', 'closed');
    await sensorReading(t, 'Back Door', 'contact', 'open');
    await drain();
    expect((await stateOf(t, id)).opened).toBe(2);
  });

  it('cuts a loop between two installations with the per-installation handler budget', async () => {
    await addDevice(t, 'Loop Light', ['switch']);
    const mirror = await publishApp(t, MIRROR);
    const first = await install(t, mirror, [{ input: 'switches', device: 'Loop Light', capability: 'switch' }]);
    const second = await install(t, mirror, [{ input: 'switches', device: 'Loop Light', capability: 'switch' }]);
    await userCommand(t, 'Loop Light', 'on');
    const ran = await drain();
    expect(ran).toBeLessThan(30);
    for (const id of [first, second]) {
      expect((await stateOf(t, id)).runs).toBe(10);
      const activity = await t.db.getRepository(ActivityLog).findBy({ installationId: id, kind: 'event' });
      expect(activity.map((a) => a.summary).join('\n')).toContain('(a loop?)');
    }
    expect(await t.db.getRepository(EventDelivery).count()).toBe(0);
  });

  it('refuses a subscribe that would pass the per-installation limit, and says so in the app log', async () => {
    await addDevice(t, 'Limit Light 1', ['switch']);
    await addDevice(t, 'Limit Light 2', ['switch']);
    const many = await publishApp(t, MANY);
    const id = await install(t, many, [
      { input: 'switches', device: 'Limit Light 1', capability: 'switch' },
      { input: 'switches', device: 'Limit Light 2', capability: 'switch' },
    ]);
    // limit 3 in this suite: the first subscribe (2 rows) fits, the second (2 more) is refused whole
    expect((await t.db.getRepository(Subscription).findBy({ installationId: id })).map((s) => s.handler)).toEqual(['a', 'a']);
    expect((await appLogOf(t, id)).join('\n')).toContain('warn: subscribe(switch, b) refused: an installation may hold at most 3 subscriptions');
  });

  it('drops an installation’s subscriptions and undelivered events when it is uninstalled', async () => {
    await addDevice(t, 'Gone Light', ['switch']);
    const id = await install(t, recorder, [{ input: 'switches', device: 'Gone Light', capability: 'switch' }]);
    expect(await t.db.getRepository(Subscription).countBy({ installationId: id })).toBe(1);
    await userCommand(t, 'Gone Light', 'on');
    expect(await pending(id)).toBe(1);
    await t.app.get(UninstallService).uninstall(id, 'test');
    expect(await t.db.getRepository(Subscription).countBy({ installationId: id })).toBe(0);
    expect(await pending(id)).toBe(0);
    await userCommand(t, 'Gone Light', 'on');
    expect(await pending(id)).toBe(0);
  });
});
