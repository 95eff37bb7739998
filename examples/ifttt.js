// IFTTT — a JavaScript port of SmartThings' classic "IFTTT API Access Application"
// (SmartThingsCommunity/SmartThingsPublic, smartapps/smartthings/ifttt.src/ifttt.groovy,
// Copyright 2015 SmartThings, Apache License 2.0: http://www.apache.org/licenses/LICENSE-2.0).
// Translated to this platform's SmartApp module, not copied; what differs from the original:
// - Groovy's `settings`, `state`, `params`, `request.JSON`, `httpError`, `subscribe`, `unsubscribe`,
//   `app.subscriptions` and `log` are `ctx.settings`, `ctx.state`, `ctx.params`, `ctx.body`,
//   `ctx.httpError`, `ctx.subscribe`, `ctx.unsubscribe`, `ctx.app.subscriptions` and `ctx.log`.
// - The callback goes out with `ctx.httpPostJson(url, body)`: queued, signed and retried by the
//   platform after the handler's transaction commits, to the client's registered prefixes only.
// - A device type that names no device input (e.g. `/definition`) lists nothing instead of failing.
//
// Device type          | attribute    | commands                 | values
// switches             | switch       | on, off                  | on, off
// motionSensors        | motion       |                          | active, inactive
// contactSensors       | contact      |                          | open, closed
// presenceSensors      | presence     |                          | present, not present
// temperatureSensors   | temperature  |                          | number (°C)
// accelerationSensors  | acceleration |                          | active, inactive
// waterSensors         | water        |                          | wet, dry
// lightSensors         | illuminance  |                          | number (lux)
// humiditySensors      | humidity     |                          | number (%)
// alarms               | alarm        | strobe, siren, both, off | strobe, siren, both, off
// locks                | lock         | lock, unlock             | locked, unlocked

const hasOwn = (object, key) => Object.prototype.hasOwnProperty.call(object, key);

// the devices of one input; every input here is `multiple`
function devicesOf(ctx, type) {
  const devices = hasOwn(ctx.settings, type) ? ctx.settings[type] : null;
  return Array.isArray(devices) ? devices : null;
}

// the attribute a device type reports: named for a few, else the type without its "Sensors" suffix
function attributeFor(type) {
  switch (type) {
    case 'switches':
      return 'switch';
    case 'locks':
      return 'lock';
    case 'alarms':
      return 'alarm';
    case 'lightSensors':
      return 'illuminance';
    default:
      return type.replace('Sensors', '');
  }
}

// the classic capability whose commands a device type may send; other types take no commands
function capabilityNameFor(type) {
  switch (type) {
    case 'switches':
      return 'Switch';
    case 'alarms':
      return 'Alarm';
    case 'locks':
      return 'Lock';
    default:
      return type;
  }
}

function deviceItem(device) {
  return device ? { id: device.id, label: device.displayName } : null;
}

function deviceState(device, s) {
  return device && s ? { id: device.id, label: device.displayName, name: s.name, value: s.value, unixTime: s.date.getTime() } : null;
}

function commandsByCapability(device) {
  const map = {};
  for (const capability of device.capabilities) {
    map[capability.name] = capability.commands.map((c) => c.name);
  }
  return map;
}

function validateCommand(ctx, device, type, command) {
  const commands = commandsByCapability(device)[capabilityNameFor(type)];
  if (!commands) {
    // device types that take no commands
    ctx.httpError(400, 'Bad request.');
  }
  return commands.includes(command);
}

export default {
  definition: {
    name: 'IFTTT',
    namespace: 'smartthings',
    author: 'SmartThings',
    description: 'Put the internet to work for you.',
    category: 'SmartThings Internal',
    oauth: { displayName: 'IFTTT', displayLink: 'https://ifttt.com' },
  },
  preferences: [
    {
      section: 'Allow IFTTT to control these things...',
      inputs: [
        { name: 'switches', type: 'capability.switch', title: 'Which Switches?', multiple: true, required: false },
        { name: 'motionSensors', type: 'capability.motionSensor', title: 'Which Motion Sensors?', multiple: true, required: false },
        { name: 'contactSensors', type: 'capability.contactSensor', title: 'Which Contact Sensors?', multiple: true, required: false },
        { name: 'presenceSensors', type: 'capability.presenceSensor', title: 'Which Presence Sensors?', multiple: true, required: false },
        { name: 'temperatureSensors', type: 'capability.temperatureMeasurement', title: 'Which Temperature Sensors?', multiple: true, required: false },
        { name: 'accelerationSensors', type: 'capability.accelerationSensor', title: 'Which Vibration Sensors?', multiple: true, required: false },
        { name: 'waterSensors', type: 'capability.waterSensor', title: 'Which Water Sensors?', multiple: true, required: false },
        { name: 'lightSensors', type: 'capability.illuminanceMeasurement', title: 'Which Light Sensors?', multiple: true, required: false },
        { name: 'humiditySensors', type: 'capability.relativeHumidityMeasurement', title: 'Which Relative Humidity Sensors?', multiple: true, required: false },
        { name: 'alarms', type: 'capability.alarm', title: 'Which Sirens?', multiple: true, required: false },
        { name: 'locks', type: 'capability.lock', title: 'Which Locks?', multiple: true, required: false },
      ],
    },
  ],
  // literal segments win over :params, so /subscriptions and /:deviceType/states are not device ids
  mappings: {
    '/:deviceType': { GET: 'list' },
    '/:deviceType/states': { GET: 'listStates' },
    '/:deviceType/subscription': { POST: 'addSubscription' },
    '/:deviceType/subscriptions/:id': { DELETE: 'removeSubscription' },
    '/:deviceType/:id': { GET: 'show', PUT: 'update' },
    '/subscriptions': { GET: 'listSubscriptions' },
  },
  installed(ctx) {
    ctx.log.debug(ctx.settings);
  },
  updated(ctx) {
    // drop the subscriptions (and callback URLs) of devices the user no longer shares
    const currentDeviceIds = [];
    for (const value of Object.values(ctx.settings)) {
      for (const device of [].concat(value)) {
        if (device && typeof device.id === 'string' && !currentDeviceIds.includes(device.id)) {
          currentDeviceIds.push(device.id);
        }
      }
    }
    const toRemove = ctx.app.subscriptions.map((s) => s.device).filter((device) => device && !currentDeviceIds.includes(device.id));
    for (const device of toRemove) {
      ctx.log.debug(`Removing ${device.displayName} subscription`);
      delete ctx.state[device.id];
      ctx.unsubscribe(device);
    }
    ctx.log.debug(ctx.settings);
  },
  handlers: {
    list(ctx) {
      const devices = devicesOf(ctx, ctx.params.deviceType);
      return devices ? devices.map(deviceItem) : [];
    },
    listStates(ctx) {
      const type = ctx.params.deviceType;
      const attributeName = attributeFor(type);
      const devices = devicesOf(ctx, type);
      return devices ? devices.map((d) => deviceState(d, d.currentState(attributeName))) : [];
    },
    listSubscriptions(ctx) {
      return ctx.state;
    },
    update(ctx) {
      const type = ctx.params.deviceType;
      const data = ctx.body || {};
      const devices = devicesOf(ctx, type) || [];
      const device = devices.find((d) => d.id === ctx.params.id);
      const command = data.command;
      ctx.log.debug(`update, params: ${JSON.stringify(ctx.params)}, request: ${JSON.stringify(data)}, devices: ${devices.map((d) => d.id)}`);
      if (!device) {
        ctx.httpError(404, 'Device not found');
      }
      if (validateCommand(ctx, device, type, command)) {
        device[command]();
      } else {
        ctx.httpError(403, 'Access denied. This command is not supported by current capability.');
      }
    },
    show(ctx) {
      const type = ctx.params.deviceType;
      const device = (devicesOf(ctx, type) || []).find((d) => d.id === ctx.params.id);
      if (!device) {
        ctx.httpError(404, 'Device not found');
      }
      return deviceState(device, device.currentState(attributeFor(type)));
    },
    addSubscription(ctx) {
      const type = ctx.params.deviceType;
      const data = ctx.body || {};
      const attribute = attributeFor(type);
      const device = (devicesOf(ctx, type) || []).find((d) => d.id === data.deviceId);
      if (device) {
        ctx.log.debug(`Adding subscription ${data.callbackUrl}`);
        ctx.state[data.deviceId] = { callbackUrl: data.callbackUrl };
        ctx.subscribe(device, attribute, 'deviceHandler');
      }
      ctx.log.info(ctx.state);
    },
    removeSubscription(ctx) {
      const device = (devicesOf(ctx, ctx.params.deviceType) || []).find((d) => d.id === ctx.params.id);
      if (device) {
        ctx.log.debug(`Removing ${device.displayName} subscription`);
        delete ctx.state[device.id];
        ctx.unsubscribe(device);
      }
      ctx.log.info(ctx.state);
    },
    deviceHandler(ctx, evt) {
      const deviceInfo = ctx.state[evt.deviceId];
      if (deviceInfo) {
        ctx.httpPostJson(deviceInfo.callbackUrl, { evt: { deviceId: evt.deviceId, name: evt.name, value: evt.value } });
      } else {
        ctx.log.debug('No subscribed device found');
      }
    },
  },
};
