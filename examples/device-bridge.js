// Device Bridge: lets an external service read and switch lights and read, lock and unlock locks,
// and pushes every change of the granted switches to the service's callback URL, if it gave one
// (PUT /callback {url}); the platform signs each push with the client's webhook secret.
export default {
  definition: {
    name: 'Device Bridge',
    namespace: 'example',
    author: 'SmartApp Platform',
    description: 'Lets an external service read and switch your lights and locks',
    category: 'Convenience',
    oauth: { displayName: 'Demo Service', displayLink: 'http://localhost:3001' },
  },
  preferences: [
    {
      section: 'Allow the service to control these things',
      inputs: [
        { name: 'switches', type: 'capability.switch', title: 'Which switches?', multiple: true, required: false },
        { name: 'locks', type: 'capability.lock', title: 'Which locks?', multiple: true, required: false },
      ],
    },
  ],
  mappings: {
    '/switches': { GET: 'listSwitches' },
    '/switches/:command': { PUT: 'updateSwitches' },
    '/switches/:id/:command': { PUT: 'updateSwitch' },
    '/locks': { GET: 'listLocks' },
    '/locks/:id': { GET: 'showLock', PUT: 'updateLock' },
    '/callback': { PUT: 'setCallback', DELETE: 'removeCallback' },
  },
  installed(ctx) {
    ctx.log.info(`installed with ${ctx.settings.switches.length} switch(es) and ${ctx.settings.locks.length} lock(s)`);
    ctx.subscribe(ctx.settings.switches, 'switch', 'onSwitch');
  },
  updated(ctx) {
    ctx.log.info(`updated: ${ctx.settings.switches.length} switch(es) and ${ctx.settings.locks.length} lock(s)`);
    ctx.unsubscribe();
    ctx.subscribe(ctx.settings.switches, 'switch', 'onSwitch');
  },
  uninstalled(ctx) {
    ctx.log.info('uninstalled');
  },
  handlers: {
    listSwitches(ctx) {
      return ctx.settings.switches.map((d) => ({ id: d.id, name: d.label, value: d.currentValue('switch') }));
    },
    updateSwitches(ctx) {
      const cmd = ctx.params.command;
      if (cmd !== 'on' && cmd !== 'off') {
        ctx.httpError(400, `${cmd} is not a valid command for all switches specified`);
      }
      ctx.settings.switches.forEach((d) => d[cmd]());
    },
    updateSwitch(ctx) {
      const device = ctx.settings.switches.find((d) => d.id === ctx.params.id);
      if (!device) {
        ctx.httpError(404, 'Switch not found');
      }
      const cmd = ctx.params.command;
      if (cmd !== 'on' && cmd !== 'off') {
        ctx.httpError(400, `${cmd} is not a valid switch command`);
      }
      device[cmd]();
      return { id: device.id, name: device.label, value: device.currentValue('switch') };
    },
    listLocks(ctx) {
      return ctx.settings.locks.map((d) => ({ id: d.id, name: d.label, value: d.currentValue('lock') }));
    },
    showLock(ctx) {
      const device = ctx.settings.locks.find((d) => d.id === ctx.params.id);
      if (!device) {
        ctx.httpError(404, 'Lock not found');
      }
      return { id: device.id, name: device.label, value: device.currentValue('lock') };
    },
    updateLock(ctx) {
      const device = ctx.settings.locks.find((d) => d.id === ctx.params.id);
      if (!device) {
        ctx.httpError(404, 'Lock not found');
      }
      const command = ctx.body && ctx.body.command;
      if (command !== 'lock' && command !== 'unlock') {
        ctx.httpError(400, 'command must be lock or unlock');
      }
      device[command]();
      return { id: device.id, name: device.label, value: device.currentValue('lock') };
    },
    setCallback(ctx) {
      const url = ctx.body && ctx.body.url;
      if (typeof url !== 'string' || !/^https?:\/\//.test(url)) {
        ctx.httpError(400, 'url must be a string starting with http:// or https://');
      }
      // the platform posts only under the client's registered callback prefixes; others are refused in the app's log
      ctx.state.callbackUrl = url;
      return { url };
    },
    removeCallback(ctx) {
      delete ctx.state.callbackUrl;
    },
    onSwitch(ctx, evt) {
      ctx.log.info(`${evt.displayName} is ${evt.value}`);
      if (ctx.state.callbackUrl) {
        // the installation id travels in the signed body: the X-SmartApp-Installation header is not signed
        const pushed = { deviceId: evt.deviceId, displayName: evt.displayName, name: evt.name, value: evt.value, date: evt.date };
        ctx.httpPostJson(ctx.state.callbackUrl, { installationId: ctx.installationId, evt: pushed });
      }
    },
  },
};
