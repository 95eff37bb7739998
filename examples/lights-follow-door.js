// Lights follow the door: the lights come on when the door opens and go off a few minutes after it
// closes (unless it opened again in between).
export default {
  definition: {
    name: 'Lights Follow the Door',
    namespace: 'example',
    author: 'SmartApp Platform',
    description: 'Turns lights on when a door opens and off some minutes after it closes',
    category: 'Convenience',
  },
  preferences: [
    {
      section: 'When this door opens…',
      inputs: [{ name: 'door', type: 'capability.contactSensor', title: 'Which door?', multiple: false, required: true }],
    },
    {
      section: '…turn on these lights',
      inputs: [
        { name: 'lights', type: 'capability.switch', title: 'Which lights?', multiple: true, required: true },
        { name: 'minutes', type: 'number', title: 'Minutes after the door closes to turn them off', required: false, defaultValue: 5 },
      ],
    },
  ],
  mappings: {},
  installed(ctx) {
    ctx.subscribe(ctx.settings.door, 'contact', 'onContact');
  },
  updated(ctx) {
    ctx.unsubscribe();
    ctx.unschedule();
    ctx.subscribe(ctx.settings.door, 'contact', 'onContact');
  },
  handlers: {
    onContact(ctx, evt) {
      if (evt.value === 'open') {
        ctx.unschedule('lightsOff');
        ctx.settings.lights.forEach((light) => light.on());
      } else {
        const minutes = typeof ctx.settings.minutes === 'number' && ctx.settings.minutes > 0 ? ctx.settings.minutes : 5;
        ctx.runIn(minutes * 60, 'lightsOff');
      }
    },
    lightsOff(ctx) {
      if (ctx.settings.door && ctx.settings.door.currentValue('contact') === 'closed') {
        ctx.settings.lights.forEach((light) => light.off());
        ctx.log.info(`the door stayed closed: ${ctx.settings.lights.length} light(s) off`);
      }
    },
  },
};
