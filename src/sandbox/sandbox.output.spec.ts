import { DEFAULT_SANDBOX_LIMITS } from './sandbox.limits';
import { commandArgumentProblem, readAppDescription, readRunOutput } from './sandbox.output';
import { dimmerDevice, snapshotWith, switchDevice } from './sandbox.testing';

const snapshot = snapshotWith({
  deviceInputs: { lamp: { multiple: false, devices: [dimmerDevice('d-1', 'Desk')] }, switches: { multiple: true, devices: [switchDevice('s-1', 'Hall')] } },
});

function output(records: Record<string, unknown> = {}, rest: Record<string, unknown> = {}): string {
  return JSON.stringify({
    ok: true,
    response: { kind: 'none' },
    state: {},
    records: { commands: [], subscriptions: [], schedules: [], callbacks: [], ...records },
    ...rest,
  });
}

describe('readRunOutput', () => {
  it('accepts well-formed records that the snapshot allows', () => {
    const result = readRunOutput(
      output({
        commands: [{ deviceId: 'd-1', inputName: 'lamp', command: 'setLevel', args: [40] }],
        subscriptions: [{ op: 'subscribe', deviceIds: ['s-1'], attribute: 'switch', value: null, handler: 'h' }],
        schedules: [{ op: 'runIn', seconds: 3, handler: 'h', data: { a: 1 }, overwrite: false }],
        callbacks: [{ url: 'https://x.test', body: [1] }],
      }),
      snapshot,
      DEFAULT_SANDBOX_LIMITS,
    );
    expect(result).toEqual({
      ok: true,
      value: {
        response: { kind: 'none' },
        state: {},
        commands: [{ deviceId: 'd-1', inputName: 'lamp', command: 'setLevel', args: [40] }],
        subscriptions: [{ op: 'subscribe', deviceIds: ['s-1'], attribute: 'switch', value: null, handler: 'h' }],
        schedules: [{ op: 'runIn', seconds: 3, handler: 'h', data: { a: 1 }, overwrite: false }],
        callbacks: [{ url: 'https://x.test', body: [1] }],
      },
    });
  });

  it('drops fields the platform does not know', () => {
    const result = readRunOutput(output({ callbacks: [{ url: 'https://x.test', body: null, method: 'DELETE' }] }), snapshot, DEFAULT_SANDBOX_LIMITS);
    expect(result.ok && result.value.callbacks).toEqual([{ url: 'https://x.test', body: null }]);
  });

  it.each([
    ['a command through an input that does not hold the device', { commands: [{ deviceId: 'd-1', inputName: 'switches', command: 'setLevel', args: [1] }] }],
    ['a command the device was not granted', { commands: [{ deviceId: 's-1', inputName: 'switches', command: 'setLevel', args: [1] }] }],
    ['a command with arguments out of range', { commands: [{ deviceId: 'd-1', inputName: 'lamp', command: 'setLevel', args: [500] }] }],
    ['a subscription to an ungranted device', { subscriptions: [{ op: 'subscribe', deviceIds: ['front-door'], attribute: 'lock', value: null, handler: 'h' }] }],
    ['a schedule with negative seconds', { schedules: [{ op: 'runIn', seconds: -1, handler: 'h', data: null, overwrite: true }] }],
    ['an unknown schedule op', { schedules: [{ op: 'cronjob', handler: 'h' }] }],
    ['a callback without a url', { callbacks: [{ body: {} }] }],
  ])('rejects %s', (_what, records) => {
    const result = readRunOutput(output(records), snapshot, DEFAULT_SANDBOX_LIMITS);
    expect(result.ok).toBe(false);
  });

  it('names the rule a forged command breaks', () => {
    const result = readRunOutput(output({ commands: [{ deviceId: 'd-1', inputName: 'lamp', command: 'setLevel', args: [500] }] }), snapshot, DEFAULT_SANDBOX_LIMITS);
    expect(result).toEqual({
      ok: false,
      message: 'The run recorded command setLevel on device d-1 that the snapshot does not allow (argument 1 (level) is out of range)',
    });
  });

  it('rejects a "__proto__" key anywhere in the output', () => {
    const text = output().replace('"state":{}', '"state":{"nested":{"__proto__":{"polluted":true}}}');
    expect(readRunOutput(text, snapshot, DEFAULT_SANDBOX_LIMITS)).toEqual({ ok: false, message: 'The result contains a "__proto__" key, which the platform does not accept' });
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('rejects a state larger than maxResultBytes', () => {
    const result = readRunOutput(output({}, { state: { big: 'x'.repeat(100) } }), snapshot, { ...DEFAULT_SANDBOX_LIMITS, maxResultBytes: 50 });
    expect(result).toEqual({ ok: false, message: 'ctx.state is more than 50 bytes as JSON' });
  });

  it('passes on the message of an output that reports itself invalid', () => {
    expect(readRunOutput(JSON.stringify({ ok: false, message: 'nope' }), snapshot, DEFAULT_SANDBOX_LIMITS)).toEqual({ ok: false, message: 'nope' });
  });

  it('rejects text that is not JSON', () => {
    const result = readRunOutput('{"ok":', snapshot, DEFAULT_SANDBOX_LIMITS);
    expect(result.ok ? '' : result.message).toMatch(/^The sandbox output is not JSON: /);
  });
});

describe('commandArgumentProblem', () => {
  it('accepts arguments that match their specs', () => {
    expect(commandArgumentProblem([{ name: 'level', type: 'number', min: 0, max: 1 }], [0.5])).toBeNull();
    expect(commandArgumentProblem([{ name: 'mode', type: 'enum', values: ['a', 'b'] }], ['b'])).toBeNull();
  });

  it.each([
    [[{ name: 'n', type: 'integer' as const }], [1.5], 'argument 1 (n) must be an integer'],
    [[{ name: 'n', type: 'number' as const }], ['1'], 'argument 1 (n) must be a number'],
    [[{ name: 's', type: 'string' as const }], [1], 'argument 1 (s) must be a string'],
    [[{ name: 'm', type: 'enum' as const, values: ['a'] }], ['b'], 'argument 1 (m) is not one of its enum values'],
    [[], [1], 'takes 0 argument(s), got 1'],
  ])('reports %j called with %j', (specs, args, problem) => {
    expect(commandArgumentProblem(specs, args)).toBe(problem);
  });
});

describe('readAppDescription', () => {
  it('rejects a lifecycle kind it does not know', () => {
    const text = JSON.stringify({ handlers: [], nonFunctionHandlers: [], lifecycle: { installed: 'maybe', updated: 'absent', uninstalled: 'absent' }, problems: [] });
    expect(readAppDescription(text)).toEqual({ ok: false, message: 'The sandbox output is malformed: lifecycle.installed must be one of function, absent, not_a_function' });
  });
});
