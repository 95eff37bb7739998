// Thermostat API: lets a service read temperatures and change the setpoints and mode of the
// thermostats the user grants, with its input checked before anything is sent to a device.
//
//   GET  /thermostats                  every granted thermostat and its current settings
//   GET  /thermostats/:id              one of them
//   PUT  /thermostats/:id/setpoints    {"heating": 20.5, "cooling": 24}  (either or both)
//   PUT  /thermostats/:id/mode         {"mode": "heat"}                  (off, heat, cool, auto)
//   POST /thermostats/:id/boost        {"degrees": 2}                    heat a little above now, remembered in ctx.state

const MODES = ['off', 'heat', 'cool', 'auto'];

function describe(ctx, device) {
  const temperature = (ctx.settings.sensors || []).find((s) => s.id === device.id);
  return {
    id: device.id,
    name: device.label,
    mode: device.currentValue('thermostatMode'),
    heatingSetpoint: device.currentValue('heatingSetpoint'),
    coolingSetpoint: device.currentValue('coolingSetpoint'),
    temperature: temperature ? temperature.currentValue('temperature') : null,
    boosted: Boolean(ctx.state.boosts && ctx.state.boosts[device.id]),
  };
}

function thermostat(ctx) {
  const device = ctx.settings.thermostats.find((d) => d.id === ctx.params.id);
  if (!device) {
    ctx.httpError(404, `No thermostat ${ctx.params.id} was shared with this service`);
  }
  return device;
}

// a setpoint must be a number in the range the user configured (the device itself accepts -50 to 150)
function setpoint(ctx, value, name) {
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    ctx.httpError(400, `${name} must be a number`);
  }
  const min = ctx.settings.minimum;
  const max = ctx.settings.maximum;
  if (value < min || value > max) {
    ctx.httpError(422, `${name} must be between ${min} and ${max} degrees`);
  }
  return value;
}

export default {
  definition: {
    name: 'Thermostat API',
    namespace: 'example',
    author: 'SmartApp Platform',
    description: 'Lets a service read your thermostats and change their setpoints and mode, within limits you set',
    category: 'Climate Control',
    oauth: { displayName: 'Thermostat Service', displayLink: 'http://localhost:3001' },
  },
  preferences: [
    {
      section: 'Thermostats the service may control',
      inputs: [
        { name: 'thermostats', type: 'capability.thermostat', title: 'Which thermostats?', multiple: true, required: true },
        { name: 'sensors', type: 'capability.temperatureMeasurement', title: 'Which of them may it read the temperature of?', multiple: true, required: false },
      ],
    },
    {
      section: 'Limits',
      inputs: [
        { name: 'minimum', type: 'number', title: 'Lowest setpoint allowed (°C)', required: true, defaultValue: 10 },
        { name: 'maximum', type: 'number', title: 'Highest setpoint allowed (°C)', required: true, defaultValue: 28 },
        { name: 'allowOff', type: 'bool', title: 'May the service turn a thermostat off?', required: false, defaultValue: false },
      ],
    },
  ],
  mappings: {
    '/thermostats': { GET: 'list' },
    '/thermostats/:id': { GET: 'show' },
    '/thermostats/:id/setpoints': { PUT: 'updateSetpoints' },
    '/thermostats/:id/mode': { PUT: 'updateMode' },
    '/thermostats/:id/boost': { POST: 'boost', DELETE: 'endBoost' },
  },
  installed(ctx) {
    if (ctx.settings.minimum >= ctx.settings.maximum) {
      // refusing here aborts the installation: the user sees an error page and nothing is installed
      throw new Error(`the lowest setpoint (${ctx.settings.minimum}) must be below the highest (${ctx.settings.maximum})`);
    }
    ctx.state.boosts = {};
    ctx.log.info(`installed for ${ctx.settings.thermostats.length} thermostat(s), setpoints ${ctx.settings.minimum}-${ctx.settings.maximum}`);
  },
  updated(ctx) {
    ctx.log.info(`limits now ${ctx.settings.minimum}-${ctx.settings.maximum}`);
  },
  handlers: {
    list(ctx) {
      return ctx.settings.thermostats.map((d) => describe(ctx, d));
    },
    show(ctx) {
      return describe(ctx, thermostat(ctx));
    },
    updateSetpoints(ctx) {
      const device = thermostat(ctx);
      const body = ctx.body || {};
      const heating = setpoint(ctx, body.heating, 'heating');
      const cooling = setpoint(ctx, body.cooling, 'cooling');
      if (heating === undefined && cooling === undefined) {
        ctx.httpError(400, 'send {"heating": n} and/or {"cooling": n}');
      }
      const newHeating = heating === undefined ? device.currentValue('heatingSetpoint') : heating;
      const newCooling = cooling === undefined ? device.currentValue('coolingSetpoint') : cooling;
      if (newHeating >= newCooling) {
        ctx.httpError(422, `heating (${newHeating}) must stay below cooling (${newCooling})`);
      }
      if (heating !== undefined) {
        device.setHeatingSetpoint(heating);
      }
      if (cooling !== undefined) {
        device.setCoolingSetpoint(cooling);
      }
      ctx.log.info(`${device.label}: heating ${newHeating}, cooling ${newCooling}`);
      return describe(ctx, device);
    },
    updateMode(ctx) {
      const device = thermostat(ctx);
      const mode = ctx.body && ctx.body.mode;
      if (!MODES.includes(mode)) {
        ctx.httpError(400, `mode must be one of ${MODES.join(', ')}`);
      }
      if (mode === 'off' && !ctx.settings.allowOff) {
        ctx.httpError(403, 'The owner does not let this service turn thermostats off');
      }
      device.setThermostatMode(mode);
      return describe(ctx, device);
    },
    boost(ctx) {
      const device = thermostat(ctx);
      const degrees = ctx.body && ctx.body.degrees;
      if (typeof degrees !== 'number' || degrees <= 0 || degrees > 5) {
        ctx.httpError(400, 'degrees must be a number above 0 and at most 5');
      }
      if (ctx.state.boosts[device.id]) {
        ctx.httpError(409, `${device.label} is already boosted`);
      }
      const before = device.currentValue('heatingSetpoint');
      const target = Math.min(before + degrees, ctx.settings.maximum);
      ctx.state.boosts[device.id] = { before };
      device.setHeatingSetpoint(target);
      device.setThermostatMode('heat');
      return describe(ctx, device);
    },
    endBoost(ctx) {
      const device = thermostat(ctx);
      const boost = ctx.state.boosts[device.id];
      if (!boost) {
        ctx.httpError(404, `${device.label} is not boosted`);
      }
      device.setHeatingSetpoint(boost.before);
      delete ctx.state.boosts[device.id];
      return describe(ctx, device);
    },
  },
};
