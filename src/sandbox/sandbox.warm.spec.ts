import { SandboxService } from './sandbox.service';
import { snapshotWith, switchDevice } from './sandbox.testing';
import type { Effects, SandboxDevice, SandboxLimits, SandboxResult } from './sandbox.types';

// A module with module-level state: what a warm session keeps between calls of one installation.
const COUNTER = `
let calls = 0;
export default { handlers: {
  count(ctx) { calls += 1; return calls },
  pollute(ctx) { Object.prototype.polluted = ctx.installationId; globalThis.leak = ctx.installationId; return true },
  polluted(ctx) { return [({}).polluted ?? null, globalThis.leak ?? null] },
  spin(ctx) { calls += 1; while (true) {} },
  toggle(ctx) { ctx.log.info('call ' + (calls += 1)); ctx.settings.switches[0].on(); ctx.state.n = (ctx.state.n ?? 0) + 1 },
  hold(ctx) { globalThis.kept = 'x'.repeat(14 * 1024 * 1024); return globalThis.kept.length },
  allocate(ctx) { const big = 'y'.repeat(14 * 1024 * 1024); return big.length },
} }`;

function effectsOf(result: SandboxResult): Effects {
  if (!result.ok) {
    throw new Error(`expected a successful run, got ${result.error.kind}: ${result.error.message}`);
  }
  return result.effects;
}

const valueOf = (result: SandboxResult): unknown => {
  const response = effectsOf(result).response;
  return response.kind === 'value' ? response.value : undefined;
};

describe('warm sandbox sessions (one per installation, never shared)', () => {
  // one worker, so every installation's session lives in the same worker and engine
  const service = new SandboxService(undefined, { workers: 1 });
  afterAll(() => service.onModuleDestroy());

  const run = (installationId: string, name: string, options: { versionKey?: string; source?: string; limits?: Partial<SandboxLimits> } = {}): Promise<SandboxResult> =>
    service.run({
      versionKey: options.versionKey ?? 'counter-v1',
      source: options.source ?? COUNTER,
      handler: { kind: 'mapping', name },
      snapshot: snapshotWith({
        installationId,
        deviceInputs: { switches: { multiple: true, devices: [switchDevice('sw-1', 'Kitchen')] } },
      }),
      owner: { installationId, appId: 'counter-app' },
      limits: { cpuMs: 5000, ...options.limits },
    });

  it("keeps an installation's module loaded between its calls (module-level values persist, documented)", async () => {
    const before = service.stats().warmSessionsUsed;
    expect(valueOf(await run('inst-a', 'count'))).toBe(1);
    expect(valueOf(await run('inst-a', 'count'))).toBe(2);
    expect(valueOf(await run('inst-a', 'count'))).toBe(3);
    expect(service.stats().warmSessionsUsed - before).toBe(2);
  });

  it('never shares a session between installations of the same version', async () => {
    expect(valueOf(await run('inst-b', 'count'))).toBe(1);
    expect(valueOf(await run('inst-a', 'count'))).toBe(4);
    expect(valueOf(await run('inst-b', 'count'))).toBe(2);
  });

  it("keeps prototypes and globals one installation changed away from every other installation", async () => {
    expect(valueOf(await run('inst-c', 'pollute'))).toBe(true);
    expect(valueOf(await run('inst-d', 'polluted'))).toEqual([null, null]);
    // the polluter sees its own changes in its next call, as a warm serverless instance would
    expect(valueOf(await run('inst-c', 'polluted'))).toEqual(['inst-c', 'inst-c']);
    // calls without an owner always get a fresh session
    const fresh = await service.run({ versionKey: 'counter-v1', source: COUNTER, handler: { kind: 'mapping', name: 'polluted' }, snapshot: snapshotWith({ installationId: 'inst-c' }) });
    expect(valueOf(fresh)).toEqual([null, null]);
  });

  it('starts from a fresh module when the version changes', async () => {
    expect(valueOf(await run('inst-e', 'count'))).toBe(1);
    expect(valueOf(await run('inst-e', 'count'))).toBe(2);
    expect(valueOf(await run('inst-e', 'count', { versionKey: 'counter-v2', source: `${COUNTER}\n// v2` }))).toBe(1);
  });

  it('resets the per-call records: commands, logs and state of one call do not carry into the next', async () => {
    const first = effectsOf(await run('inst-f', 'toggle'));
    const second = effectsOf(await run('inst-f', 'toggle'));
    expect(first.commands).toEqual([{ deviceId: 'sw-1', inputName: 'switches', command: 'on', args: [] }]);
    expect(second.commands).toEqual([{ deviceId: 'sw-1', inputName: 'switches', command: 'on', args: [] }]);
    expect(second.logs).toEqual([{ level: 'info', message: 'call 2' }]);
    // the state comes from the snapshot every call
    expect(second.state).toEqual({ n: 1 });
  });

  it('drops a session whose call hit the deadline: the next call starts fresh', async () => {
    expect(valueOf(await run('inst-g', 'count'))).toBe(1);
    const spun = await run('inst-g', 'spin', { limits: { cpuMs: 100 } });
    expect(spun.ok).toBe(false);
    expect(valueOf(await run('inst-g', 'count'))).toBe(1);
  });

  it("a memory kill caused by other installations' warm sessions is retried with the engine to itself", async () => {
    const limits = { memoryBytes: 16 * 1024 * 1024 };
    expect(valueOf(await run('inst-h', 'hold', { limits }))).toBe(14 * 1024 * 1024);
    // inst-h keeps 14 MiB; 14 MiB more would not fit in the engine's memory beside it
    expect(valueOf(await run('inst-i', 'allocate', { limits }))).toBe(14 * 1024 * 1024);
  });
});

describe("a warm session's devices (proxies kept between one installation's calls, state from each call's snapshot)", () => {
  const service = new SandboxService(undefined, { workers: 1 });
  afterAll(() => service.onModuleDestroy());

  // the snapshot's time: currentState's date for an attribute without one
  const NOW = snapshotWith().now;
  const DEVICES = `
let first = null;
export default { handlers: {
  list(ctx) { return ctx.settings.switches.map((d) => [d.id, d.label, d.currentValue('switch'), d.currentState('switch') && d.currentState('switch').date.toISOString(), d.events().length]) },
  same(ctx) { const d = ctx.settings.switches[0]; const was = first; first = d; return was === null ? null : was === d },
  both(ctx) { ctx.settings.switches[0].on(); return [ctx.settings.switches[0].currentValue('switch'), ctx.settings.lights.currentValue('switch')] },
  failAfterStart(ctx) { throw new Error('after start') },
  polluteReuse(ctx) { Object.prototype.reuse = true; return ctx.settings.switches.map((d) => d.label) },
} }`;

  const run = (installationId: string, name: string, devices: SandboxDevice[], lights?: SandboxDevice): Promise<SandboxResult> =>
    service.run({
      versionKey: 'devices-v1',
      source: DEVICES,
      handler: { kind: 'mapping', name },
      snapshot: snapshotWith({
        installationId,
        deviceInputs: { switches: { multiple: true, devices }, ...(lights ? { lights: { multiple: false, devices: [lights] } } : {}) },
      }),
      owner: { installationId, appId: 'devices-app' },
    });

  it('shows each call its own snapshot: state, dates, events, labels and which devices are granted', async () => {
    const dated = (device: SandboxDevice, at: string, events = 0): SandboxDevice => ({
      ...device,
      stateDates: { switch: at },
      events: Array.from({ length: events }, () => ({ name: 'switch', value: 'on', unit: null, date: at })),
    });
    expect(valueOf(await run('dev-a', 'list', [dated(switchDevice('sw-1', 'Kitchen', 'off'), '2025-01-01T00:00:00.000Z'), switchDevice('sw-2', 'Porch', 'on')]))).toEqual([
      ['sw-1', 'Kitchen', 'off', '2025-01-01T00:00:00.000Z', 0],
      ['sw-2', 'Porch', 'on', NOW, 0],
    ]);
    // same devices, new state: the kept proxies show it
    expect(valueOf(await run('dev-a', 'list', [dated(switchDevice('sw-1', 'Kitchen', 'on'), '2025-01-03T00:00:00.000Z', 2), switchDevice('sw-2', 'Porch', 'off')]))).toEqual([
      ['sw-1', 'Kitchen', 'on', '2025-01-03T00:00:00.000Z', 2],
      ['sw-2', 'Porch', 'off', NOW, 0],
    ]);
    // a renamed device, a device no longer granted, a new one
    expect(valueOf(await run('dev-a', 'list', [switchDevice('sw-3', 'Hall'), switchDevice('sw-1', 'Kitchen Light', 'off')]))).toEqual([
      ['sw-3', 'Hall', 'off', NOW, 0],
      ['sw-1', 'Kitchen Light', 'off', NOW, 0],
    ]);
  });

  it('keeps the same device object between calls of one installation (documented), never across installations', async () => {
    expect(valueOf(await run('dev-b', 'same', [switchDevice('sw-1', 'Kitchen')]))).toBeNull();
    expect(valueOf(await run('dev-b', 'same', [switchDevice('sw-1', 'Kitchen', 'on')]))).toBe(true);
    expect(valueOf(await run('dev-c', 'same', [switchDevice('sw-1', 'Kitchen')]))).toBeNull();
  });

  it('a command through one input is seen through another on every call, the state starting from the snapshot each time', async () => {
    const both = () => run('dev-d', 'both', [switchDevice('sw-1', 'Kitchen', 'off')], switchDevice('sw-1', 'Kitchen', 'off'));
    expect(valueOf(await both())).toEqual(['on', 'on']);
    const again = effectsOf(await both());
    expect(again.response).toEqual({ kind: 'value', value: ['on', 'on'] });
    expect(again.commands).toEqual([{ deviceId: 'sw-1', inputName: 'switches', command: 'on', args: [] }]);
  });

  it('a call that fails after its devices were built does not leave the next call with stale devices', async () => {
    expect(valueOf(await run('dev-e', 'list', [switchDevice('sw-1', 'Kitchen')]))).toEqual([['sw-1', 'Kitchen', 'off', NOW, 0]]);
    expect((await run('dev-e', 'failAfterStart', [switchDevice('sw-1', 'Renamed')])).ok).toBe(false);
    expect(valueOf(await run('dev-e', 'list', [switchDevice('sw-1', 'Kitchen')]))).toEqual([['sw-1', 'Kitchen', 'off', NOW, 0]]);
    expect(valueOf(await run('dev-e', 'list', [switchDevice('sw-1', 'Renamed')]))).toEqual([['sw-1', 'Renamed', 'off', NOW, 0]]);
  });

  it('an app that sets Object.prototype.reuse cannot make its session take a new device for a kept one', async () => {
    expect(valueOf(await run('dev-f', 'polluteReuse', [switchDevice('sw-1', 'Kitchen')]))).toEqual(['Kitchen']);
    expect(valueOf(await run('dev-f', 'list', [switchDevice('sw-1', 'Renamed'), switchDevice('sw-2', 'Porch')]))).toEqual([
      ['sw-1', 'Renamed', 'off', NOW, 0],
      ['sw-2', 'Porch', 'off', NOW, 0],
    ]);
  });
});
