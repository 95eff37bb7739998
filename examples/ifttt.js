// IFTTT: the classic SmartThings IFTTT integration, re-created from its public description. IFTTT
// (or any service speaking the same API) lists the devices it was given, reads and changes them,
// and subscribes to their changes: each change is POSTed to the service's callback URL as
// {"evt": {"deviceId", "name", "value"}}, signed by the platform (docs/events.md).
// The original also offered presence sensors; the platform has no presence capability, so none here.

// deviceType in the URL -> the input that holds those devices, the attribute IFTTT reads, the commands it may send
const TYPES = {
  switches: { input: 'switches', attribute: 'switch', commands: ['on', 'off'] },
  locks: { input: 'locks', attribute: 'lock', commands: ['lock', 'unlock'] },
  contactSensors: { input: 'contactSensors', attribute: 'contact', commands: [] },
  motionSensors: { input: 'motionSensors', attribute: 'motion', commands: [] },
  temperatureSensors: { input: 'temperatureSensors', attribute: 'temperature', commands: [] },
};

function typeOf(ctx, deviceType) {
  const type = Object.prototype.hasOwnProperty.call(TYPES, deviceType) ? TYPES[deviceType] : null;
  if (!type) {
    ctx.httpError(404, `Unknown device type ${deviceType}`);
  }
  return type;
}

function devicesOf(ctx, type) {
  return ctx.settings[type.input] || [];
}

function findDevice(ctx, type, id) {
  const device = devicesOf(ctx, type).find((d) => d.id === id);
  if (!device) {
    ctx.httpError(404, `Device ${id} not found`);
  }
  return device;
}

// when the attribute last changed, as far as this app has seen (it hears every change of a
// subscribed device); otherwise "now"
function unixTime(ctx, deviceId) {
  const seen = ctx.state.changedAt && ctx.state.changedAt[deviceId];
  return typeof seen === 'number' ? seen : Date.parse(ctx.now);
}

function stateOf(ctx, type, device) {
  return { id: device.id, label: device.label, name: type.attribute, value: device.currentValue(type.attribute), unixTime: unixTime(ctx, device.id) };
}

function subscriptionsOf(ctx) {
  if (!ctx.state.subscriptions) {
    ctx.state.subscriptions = {};
  }
  return ctx.state.subscriptions;
}

// ctx.unsubscribe() drops every subscription, so removing one means subscribing the rest again
function resubscribe(ctx) {
  ctx.unsubscribe();
  const subscriptions = subscriptionsOf(ctx);
  for (const id of Object.keys(subscriptions)) {
    const sub = subscriptions[id];
    const type = TYPES[sub.deviceType];
    const device = type && devicesOf(ctx, type).find((d) => d.id === sub.deviceId);
    if (device) {
      ctx.subscribe(device, type.attribute, 'deviceHandler');
    } else {
      // the user took the device away when reconfiguring
      delete subscriptions[id];
    }
  }
}

export default {
  definition: {
    name: 'IFTTT',
    namespace: 'example',
    author: 'SmartApp Platform',
    description: 'Put the Internet to work for you: lets IFTTT read, control and watch your things',
    category: 'Convenience',
    oauth: { displayName: 'IFTTT', displayLink: 'https://ifttt.com' },
  },
  preferences: [
    {
      section: 'Allow IFTTT to control these things…',
      inputs: [
        { name: 'switches', type: 'capability.switch', title: 'Which switches?', multiple: true, required: false },
        { name: 'locks', type: 'capability.lock', title: 'Which locks?', multiple: true, required: false },
        { name: 'contactSensors', type: 'capability.contactSensor', title: 'Which open/close sensors?', multiple: true, required: false },
        { name: 'motionSensors', type: 'capability.motionSensor', title: 'Which motion sensors?', multiple: true, required: false },
        { name: 'temperatureSensors', type: 'capability.temperatureMeasurement', title: 'Which temperature sensors?', multiple: true, required: false },
      ],
    },
  ],
  // literal segments win over :params, so /subscriptions and /:deviceType/states are not device ids
  mappings: {
    '/subscriptions': { GET: 'listSubscriptions' },
    '/:deviceType': { GET: 'list' },
    '/:deviceType/states': { GET: 'listStates' },
    '/:deviceType/subscription': { POST: 'addSubscription' },
    '/:deviceType/subscriptions/:id': { DELETE: 'removeSubscription' },
    '/:deviceType/:id': { GET: 'show', PUT: 'update' },
  },
  installed(ctx) {
    ctx.log.info('installed');
  },
  updated(ctx) {
    resubscribe(ctx);
  },
  uninstalled(ctx) {
    ctx.log.info('uninstalled');
  },
  handlers: {
    list(ctx) {
      const type = typeOf(ctx, ctx.params.deviceType);
      return devicesOf(ctx, type).map((d) => ({ id: d.id, label: d.label }));
    },
    listStates(ctx) {
      const type = typeOf(ctx, ctx.params.deviceType);
      return devicesOf(ctx, type).map((d) => stateOf(ctx, type, d));
    },
    show(ctx) {
      const type = typeOf(ctx, ctx.params.deviceType);
      return stateOf(ctx, type, findDevice(ctx, type, ctx.params.id));
    },
    update(ctx) {
      const type = typeOf(ctx, ctx.params.deviceType);
      const device = findDevice(ctx, type, ctx.params.id);
      const command = ctx.body && ctx.body.command;
      if (typeof command !== 'string' || !type.commands.includes(command)) {
        ctx.httpError(400, `${command} is not a valid command for ${ctx.params.deviceType}`);
      }
      device[command]();
      return stateOf(ctx, type, device);
    },
    addSubscription(ctx) {
      const type = typeOf(ctx, ctx.params.deviceType);
      const body = ctx.body || {};
      if (typeof body.deviceId !== 'string' || typeof body.callbackUrl !== 'string') {
        ctx.httpError(400, 'deviceId and callbackUrl are required');
      }
      const device = findDevice(ctx, type, body.deviceId);
      // one callback per device, as in the original: subscribing again replaces the URL
      const subscription = { id: device.id, deviceId: device.id, deviceType: ctx.params.deviceType, callbackUrl: body.callbackUrl };
      subscriptionsOf(ctx)[device.id] = subscription;
      ctx.subscribe(device, type.attribute, 'deviceHandler');
      return subscription;
    },
    removeSubscription(ctx) {
      typeOf(ctx, ctx.params.deviceType);
      const subscriptions = subscriptionsOf(ctx);
      if (!subscriptions[ctx.params.id]) {
        ctx.httpError(404, `Subscription ${ctx.params.id} not found`);
      }
      delete subscriptions[ctx.params.id];
      resubscribe(ctx);
    },
    listSubscriptions(ctx) {
      const subscriptions = subscriptionsOf(ctx);
      return Object.keys(subscriptions).map((id) => subscriptions[id]);
    },
    deviceHandler(ctx, evt) {
      if (!ctx.state.changedAt) {
        ctx.state.changedAt = {};
      }
      ctx.state.changedAt[evt.deviceId] = Date.parse(evt.date);
      const subscription = subscriptionsOf(ctx)[evt.deviceId];
      if (subscription) {
        ctx.httpPostJson(subscription.callbackUrl, { evt: { deviceId: evt.deviceId, name: evt.name, value: evt.value } });
      }
    },
  },
};
