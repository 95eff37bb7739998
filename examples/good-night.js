// Good Night: scenes for the whole house, one call each. A service (a bedside button, a voice
// assistant) calls POST /scenes/night and the lights go off, the hall light dims, the doors lock
// and the heating drops; /scenes/morning undoes it. Each scene says what it did and what it skipped.
//
//   GET  /scenes            the scenes and what each one touches
//   POST /scenes/:name      run one (night, away, morning)
//   GET  /house             the current state of every device the app was given

function each(list, fn) {
  (list || []).forEach(fn);
}

const SCENES = {
  night: {
    describe: 'lights off, night light dimmed, doors locked, heating down',
    run(ctx, report) {
      each(ctx.settings.lights, (d) => {
        d.off();
        report.push(`${d.label} off`);
      });
      each(ctx.settings.nightLights, (d) => {
        d.setLevel(ctx.settings.nightLevel);
        report.push(`${d.label} at ${ctx.settings.nightLevel}%`);
      });
      each(ctx.settings.doors, (d) => {
        if (d.currentValue('lock') !== 'locked') {
          d.lock();
          report.push(`${d.label} locked`);
        }
      });
      each(ctx.settings.thermostats, (d) => {
        d.setHeatingSetpoint(ctx.settings.nightTemperature);
        report.push(`${d.label} heating ${ctx.settings.nightTemperature}°`);
      });
    },
  },
  away: {
    describe: 'everything off and locked, heating off',
    run(ctx, report) {
      each(ctx.settings.lights, (d) => {
        d.off();
        report.push(`${d.label} off`);
      });
      each(ctx.settings.doors, (d) => {
        d.lock();
        report.push(`${d.label} locked`);
      });
      each(ctx.settings.thermostats, (d) => {
        d.setThermostatMode('off');
        report.push(`${d.label} off`);
      });
    },
  },
  morning: {
    describe: 'lights on, night light full, heating back to what it was',
    run(ctx, report) {
      each(ctx.settings.lights, (d) => {
        d.on();
        report.push(`${d.label} on`);
      });
      each(ctx.settings.nightLights, (d) => {
        d.setLevel(100);
        report.push(`${d.label} at 100%`);
      });
      each(ctx.settings.thermostats, (d) => {
        const before = ctx.state.heating && ctx.state.heating[d.id];
        if (typeof before === 'number') {
          d.setHeatingSetpoint(before);
          d.setThermostatMode('heat');
          report.push(`${d.label} heating ${before}°`);
        }
      });
    },
  },
};

export default {
  definition: {
    name: 'Good Night',
    namespace: 'example',
    author: 'SmartApp Platform',
    description: 'Night, away and morning scenes: lights, dimmers, locks and thermostats in one call',
    category: 'Convenience',
  },
  preferences: [
    {
      section: 'What the scenes may control',
      inputs: [
        { name: 'lights', type: 'capability.switch', title: 'Lights to switch off at night', multiple: true, required: false },
        { name: 'nightLights', type: 'capability.switchLevel', title: 'Night lights to dim', multiple: true, required: false },
        { name: 'doors', type: 'capability.lock', title: 'Doors to lock', multiple: true, required: false },
        { name: 'thermostats', type: 'capability.thermostat', title: 'Thermostats', multiple: true, required: false },
      ],
    },
    {
      section: 'Night settings',
      inputs: [
        { name: 'nightLevel', type: 'number', title: 'Night light level (%)', required: false, defaultValue: 10 },
        { name: 'nightTemperature', type: 'number', title: 'Night heating setpoint (°C)', required: false, defaultValue: 17 },
      ],
    },
  ],
  mappings: {
    '/scenes': { GET: 'listScenes' },
    '/scenes/:name': { POST: 'runScene' },
    '/house': { GET: 'house' },
  },
  installed(ctx) {
    ctx.state.heating = {};
    ctx.log.info('ready');
  },
  handlers: {
    listScenes() {
      return Object.keys(SCENES).map((name) => ({ name, does: SCENES[name].describe }));
    },
    runScene(ctx) {
      const name = ctx.params.name;
      if (!Object.prototype.hasOwnProperty.call(SCENES, name)) {
        ctx.httpError(404, `No scene ${name}; try ${Object.keys(SCENES).join(', ')}`);
      }
      if (name !== 'morning') {
        // remember the heating so that morning can restore it
        each(ctx.settings.thermostats, (d) => {
          ctx.state.heating[d.id] = d.currentValue('heatingSetpoint');
        });
      }
      const report = [];
      SCENES[name].run(ctx, report);
      ctx.state.lastScene = { name, at: ctx.now };
      ctx.log.info(`scene ${name}: ${report.length ? report.join(', ') : 'nothing to do'}`);
      return { scene: name, done: report };
    },
    house(ctx) {
      const state = (list, attribute) => (list || []).map((d) => ({ id: d.id, name: d.label, [attribute]: d.currentValue(attribute) }));
      return {
        lights: state(ctx.settings.lights, 'switch'),
        nightLights: state(ctx.settings.nightLights, 'level'),
        doors: state(ctx.settings.doors, 'lock'),
        thermostats: state(ctx.settings.thermostats, 'heatingSetpoint'),
        lastScene: ctx.state.lastScene || null,
      };
    },
  },
};
