// OAuth Endpoint: a JavaScript port of the SmartThings classic SmartApp "OAuth Endpoint" by
// brian@bevey.org (imbrianj), the endpoint behind SwitchBoard (Copyright (c) 2014 brian@bevey.org,
// MIT licence). A translation to this platform's API, not the original code.
//
// SwitchBoard lists the granted devices and the location's mode, switches and toggles lights and
// locks, and sets the mode. When "endpoint" (IP:PORT of SwitchBoard on the local network) is set,
// every change of those devices and of the mode is sent there as a hub command.
//
//   GET /list                     the mode and every device with the state of its attributes
//   GET /switches/:id/:command    on, off or toggle a switch, then the list
//   GET /locks/:id/:command       lock, unlock or toggle a lock, then the list
//   GET /mode/:mode               set the location's mode, then the list
//
// Knowingly different from the original: a lock toggles with lock()/unlock() (the original called
// on()/off(), which locks do not have); an unknown command or mode answers 400 instead of failing;
// the mode subscription passes { includeOwn: true } so a mode set through /mode/:mode is reported to
// SwitchBoard too (this platform does not deliver an installation's own changes unless asked).

const ON = ['on', 'lock', 'open', 'wet', 'active', 'battery', 'present'];
const OFF = ['off', 'unlock', 'closed', 'dry', 'inactive', 'power', 'not present'];

function list(value) {
  if (!value) {
    return [];
  }
  return Array.isArray(value) ? value : [value];
}

function init(ctx) {
  const s = ctx.settings;
  if (!s.endpoint) {
    return;
  }
  ctx.subscribe(ctx.location, 'mode', 'modeEventFired', { includeOwn: true });
  ctx.subscribe(s.switches, 'switch', 'switchFired');
  ctx.subscribe(s.locks, 'lock', 'lockFired');
  ctx.subscribe(s.temp, 'temperature', 'tempFired');
  ctx.subscribe(s.vibrate, 'acceleration', 'vibrateFired');
  ctx.subscribe(s.contact, 'contact', 'contactFired');
  ctx.subscribe(s.moisture, 'water', 'moistureFired');
  ctx.subscribe(s.motion, 'motion', 'motionFired');
  ctx.subscribe(s.motion, 'powerSource.battery', 'motionBatteryFired');
  ctx.subscribe(s.motion, 'powerSource.powered', 'motionPowerFired');
  ctx.subscribe(s.presence, 'presence', 'presenceFired');
}

// SwitchBoard reads "subdevice-state-<type>-<device name>-<on|off|value>" (no device name for the mode).
function sendUpdate(ctx, name, value, type) {
  ctx.log.warn(`${name} ${type} is now ${value}`);
  let summary = value;
  if (ON.includes(value)) {
    summary = 'on';
  } else if (OFF.includes(value)) {
    summary = 'off';
  }
  const prefix = name === 'Mode' ? '' : `${name}-`;
  return ctx.sendHubCommand({
    method: 'GET',
    path: '/',
    headers: { HOST: ctx.settings.endpoint, REST: 'true' },
    query: { smartthings: `subdevice-state-${type}-${prefix}${summary}` },
  });
}

function deviceJson(it, device, newValue) {
  const values = {};
  for (const attribute of it.supportedAttributes) {
    if (device && it.id === device.id && (attribute.name === 'switch' || attribute.name === 'lock')) {
      values[attribute.name] = { name: attribute.name, value: newValue };
    } else {
      values[attribute.name] = it.currentState(attribute.name);
    }
  }
  return { label: it.displayName, name: it.name, id: it.id, values };
}

function printDevices(ctx, device, newValue) {
  const s = ctx.settings;
  const mode = ctx.params.mode ? ctx.params.mode : ctx.location.mode;
  const devices = [s.switches, s.locks, s.contact, s.moisture, s.motion, s.presence].flatMap(list);
  return { mode, devices: devices.map((it) => deviceJson(it, device, newValue)) };
}

function update(ctx, devices, type) {
  const command = ctx.params.command;
  const device = list(devices).find((d) => d.id === ctx.params.id);
  let newValue = '';
  if (command) {
    if (!device) {
      ctx.httpError(404, 'Device not found');
    }
    if (command === 'toggle') {
      if (type === 'switch') {
        if (device.currentValue('switch') === 'on') {
          device.off();
          newValue = 'off';
        } else {
          device.on();
          newValue = 'on';
        }
      }
      if (type === 'lock') {
        if (device.currentValue('lock') === 'locked') {
          device.unlock();
          newValue = 'unlock';
        } else {
          device.lock();
          newValue = 'lock';
        }
      }
    }
    if (!newValue) {
      if (!device.hasCommand(command)) {
        ctx.httpError(400, `${command} is not a command of ${device.displayName}`);
      }
      device[command]();
      newValue = command;
    }
  }
  return printDevices(ctx, device, newValue);
}

const fired = (type) => (ctx, evt) => sendUpdate(ctx, evt.displayName, evt.value, type);

export default {
  definition: {
    name: 'OAuth Endpoint',
    namespace: 'imbrianj',
    author: 'brian@bevey.org (ported)',
    description: 'OAuth endpoint for SwitchBoard',
    category: 'Convenience',
  },
  preferences: [
    {
      section: 'Allow Endpoint to Control These Things...',
      inputs: [
        { name: 'switches', type: 'capability.switch', title: 'Which Switches?', multiple: true, required: false },
        { name: 'locks', type: 'capability.lock', title: 'Which Locks?', multiple: true, required: false },
        { name: 'temp', type: 'capability.temperatureMeasurement', title: 'Which Temp?', multiple: true, required: false },
        { name: 'vibrate', type: 'capability.accelerationSensor', title: 'Which Vibrate?', multiple: true, required: false },
        { name: 'contact', type: 'capability.contactSensor', title: 'Which Contact?', multiple: true, required: false },
        { name: 'moisture', type: 'capability.waterSensor', title: 'Which Moisture?', multiple: true, required: false },
        { name: 'motion', type: 'capability.motionSensor', title: 'Which Motion?', multiple: true, required: false },
        { name: 'presence', type: 'capability.presenceSensor', title: 'Which Presence?', multiple: true, required: false },
      ],
    },
    {
      section: 'IP:PORT of local endpoint',
      inputs: [{ name: 'endpoint', type: 'text', title: 'IP:PORT of local endpoint', required: false }],
    },
  ],
  mappings: {
    '/switches/:id/:command': { GET: 'updateSwitch' },
    '/locks/:id/:command': { GET: 'updateLock' },
    '/mode/:mode': { GET: 'updateMode' },
    '/list': { GET: 'listDevices' },
  },
  installed(ctx) {
    init(ctx);
  },
  updated(ctx) {
    ctx.unsubscribe();
    init(ctx);
  },
  handlers: {
    modeEventFired: (ctx, evt) => sendUpdate(ctx, 'Mode', evt.value, 'mode'),
    switchFired: fired('switch'),
    lockFired: fired('lock'),
    tempFired: fired('temp'),
    vibrateFired: fired('vibrate'),
    contactFired: fired('contact'),
    moistureFired: fired('moisture'),
    motionFired: fired('motion'),
    motionBatteryFired: (ctx, evt) => sendUpdate(ctx, evt.displayName, 'battery', 'motionBattery'),
    motionPowerFired: (ctx, evt) => sendUpdate(ctx, evt.displayName, 'power', 'motionPower'),
    presenceFired: fired('presence'),
    listDevices: (ctx) => printDevices(ctx, null, null),
    updateSwitch: (ctx) => update(ctx, ctx.settings.switches, 'switch'),
    updateLock: (ctx) => update(ctx, ctx.settings.locks, 'lock'),
    updateMode(ctx) {
      ctx.log.debug(`Mode change request: params: ${JSON.stringify(ctx.params)}`);
      if (!ctx.location.modes.some((m) => m.name === ctx.params.mode)) {
        ctx.httpError(400, `${ctx.params.mode} is not a mode of ${ctx.location.name}`);
      }
      ctx.setLocationMode(ctx.params.mode);
      return printDevices(ctx, null, null);
    },
  },
};
