import { EventOutbox } from '../../src/events/event-outbox.service';
import { addDevice, install, publishApp, stateOf, userCommand } from '../factories/events';
import { startTestApp, TestApp } from '../helpers/test-app';

// An event the sandbox refuses without running it (spent CPU budget, quarantine, full queue) is
// not the app's failure and not lost: it stays in the outbox and runs once the refusal ends.
const SPENDER = `
export default {
  definition: { name: 'Spender', namespace: 'test.events', author: 'Tests', description: 'spends its CPU budget', category: 'Test' },
  preferences: [{ section: 'Devices', inputs: [{ name: 'switches', type: 'capability.switch', title: 'Switches', multiple: true, required: true }] }],
  mappings: {},
  installed(ctx) { ctx.subscribe(ctx.settings.switches, 'switch', 'onSwitch') },
  handlers: {
    onSwitch(ctx, evt) {
      if (evt.value === 'on') { while (true) {} }
      ctx.state.offSeen = true
    },
  },
}`;

describe('events refused by the sandbox', () => {
  let t: TestApp;

  beforeAll(async () => {
    // a run stopped at its 1500 ms deadline is charged more than the installation's 1000 ms budget for the hour
    t = await startTestApp({ SANDBOX_CPU_MS: '1500', SANDBOX_CPU_MS_PER_INSTALLATION: '1000', SANDBOX_CPU_WINDOW_SECONDS: '3600' });
  });

  afterAll(async () => {
    await t.close();
  });

  it('keeps an event refused for a spent CPU budget in the outbox instead of dropping it', async () => {
    const app = await publishApp(t, SPENDER);
    await addDevice(t, 'Budget Light', ['switch']);
    const id = await install(t, app, [{ input: 'switches', device: 'Budget Light', capability: 'switch' }]);
    const outbox = t.app.get(EventOutbox);
    await userCommand(t, 'Budget Light', 'on');
    await outbox.drain();
    // the loop was the app's own failure: that event is done with
    expect(await outbox.pendingFor(id)).toBe(0);
    await userCommand(t, 'Budget Light', 'off');
    await outbox.drain();
    // refused without running: still there, waiting for the window to turn
    expect(await outbox.pendingFor(id)).toBe(1);
    expect((await stateOf(t, id)).offSeen).toBeUndefined();
  });
});
