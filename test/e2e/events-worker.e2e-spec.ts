import { EventsWorker } from '../../src/events/events-worker';
import { addDevice, install, publishApp, Receiver, startReceiver, userCommand, verifySignature } from '../factories/events';
import { startTestApp, TestApp } from '../helpers/test-app';

const FORWARDER = `
export default {
  definition: { name: 'Forwarder', namespace: 'test.worker', author: 'Tests', description: 'forwards switch changes', category: 'Test' },
  preferences: [{ section: 'Where', inputs: [
    { name: 'switches', type: 'capability.switch', title: 'Switches', multiple: true, required: true },
    { name: 'url', type: 'text', title: 'Callback URL', required: true } ] }],
  mappings: {},
  installed(ctx) { ctx.subscribe(ctx.settings.switches, 'switch', 'onSwitch') },
  handlers: { onSwitch(ctx, evt) { ctx.httpPostJson(ctx.settings.url, { value: evt.value }) } },
}`;

describe('the events worker of a running app delivers without being asked', () => {
  let t: TestApp;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startReceiver();
    t = await startTestApp({ EVENTS_POLL_MS: '60000' });
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  it('wakes on the commit of a device change and runs handler and callback in order', async () => {
    const app = await publishApp(t, FORWARDER, { callbackPrefixes: [`${receiver.url}/`] });
    await addDevice(t, 'Worker Light', ['switch']);
    const id = await install(t, app, [{ input: 'switches', device: 'Worker Light', capability: 'switch' }], { url: `${receiver.url}/events` });
    t.app.get(EventsWorker).start();
    // the poll is a minute away: only the commit signal can bring these in time for the test
    await userCommand(t, 'Worker Light', 'on');
    await userCommand(t, 'Worker Light', 'off');
    await receiver.arrived(2);
    expect(receiver.received.map((r) => JSON.parse(r.body) as unknown)).toEqual([
      { value: 'on', installationId: id },
      { value: 'off', installationId: id },
    ]);
    expect(receiver.received.every((r) => verifySignature(app.webhookSecret, r.headers, r.body))).toBe(true);
  });
});
