import { SandboxService } from './sandbox.service';
import type { AppShape, InspectResult } from './sandbox.types';

describe('SandboxService.inspect', () => {
  const service = new SandboxService({ cpuMs: 300 });

  function appOf(result: InspectResult): AppShape {
    if (!result.ok) {
      throw new Error(`expected a readable module, got ${JSON.stringify(result.errors)}`);
    }
    return result.app;
  }

  afterEach(() => {
    expect(service.stats().enginesDiscarded).toBe(0);
  });
  afterAll(() => service.onModuleDestroy());

  it('returns the JSON parts, the handler names and the lifecycle kinds of a module', async () => {
    const source = `
      const title = 'Which switches?'
      export default {
        definition: { name: 'Bridge', namespace: 'example', helper() {} },
        preferences: [{ section: 'Allow', inputs: [{ name: 'switches', type: 'capability.switch', title, multiple: true }] }],
        mappings: { '/switches': { GET: 'list' } },
        installed(ctx) {},
        updated: 'soon',
        handlers: { list(ctx) {}, async onEvent(ctx, evt) {}, arrow: (ctx) => 1, config: { a: 1 }, count: 3 },
      }`;
    expect(appOf(await service.inspect(source))).toEqual({
      definition: { name: 'Bridge', namespace: 'example' },
      preferences: [{ section: 'Allow', inputs: [{ name: 'switches', type: 'capability.switch', title: 'Which switches?', multiple: true }] }],
      mappings: { '/switches': { GET: 'list' } },
      handlers: ['list', 'onEvent', 'arrow'],
      nonFunctionHandlers: ['config', 'count'],
      lifecycle: { installed: 'function', updated: 'not_a_function', uninstalled: 'absent' },
    });
  });

  it('reports absent JSON parts as null and absent handlers as empty lists', async () => {
    expect(appOf(await service.inspect('export default {}'))).toEqual({
      definition: null,
      preferences: null,
      mappings: null,
      handlers: [],
      nonFunctionHandlers: [],
      lifecycle: { installed: 'absent', updated: 'absent', uninstalled: 'absent' },
    });
  });

  it('accepts a module with top-level await', async () => {
    const app = appOf(await service.inspect("const name = await Promise.resolve('Later'); export default { definition: { name } }"));
    expect(app.definition).toEqual({ name: 'Later' });
  });

  it('reports a syntax error with its line', async () => {
    const result = await service.inspect('export default {\n  definition: {},\n  handlers: { list(ctx) { return [ } }\n}');
    expect(result).toEqual({ ok: false, errors: [{ path: 'source:3', message: expect.stringMatching(/^SyntaxError: /) }] });
  });

  it('reports a syntax error inside eval at the line of the eval call', async () => {
    const result = await service.inspect("const x = 1\n\neval('(')\nexport default {}");
    expect(result).toEqual({ ok: false, errors: [{ path: 'source:3', message: expect.stringMatching(/^SyntaxError: /) }] });
  });

  it('reports a throw at module evaluation with its line', async () => {
    const result = await service.inspect("const x = 1\nthrow new Error('cannot start')\nexport default {}");
    expect(result).toEqual({ ok: false, errors: [{ path: 'source:2', message: 'Error: cannot start' }] });
  });

  it('reports a thrown non-Error at module evaluation', async () => {
    const result = await service.inspect("throw 'nope'\nexport default {}");
    expect(result).toEqual({ ok: false, errors: [{ path: 'source', message: 'The SmartApp threw a non-Error value: "nope"' }] });
  });

  it('reports a module without a default export', async () => {
    const result = await service.inspect('export const definition = {}');
    expect(result).toEqual({ ok: false, errors: [{ path: 'source', message: 'The module has no default export: it must end in "export default { ... }"' }] });
  });

  it('reports a plain script as having no default export', async () => {
    const result = await service.inspect('const definition = {}');
    expect(result).toEqual({ ok: false, errors: [{ path: 'source', message: 'The module has no default export: it must end in "export default { ... }"' }] });
  });

  it.each([
    ['a function', 'export default function app() {}', 'a function'],
    ['an array', 'export default []', 'an array'],
    ['null', 'export default null', 'null'],
    ['a string', "export default 'app'", '"app"'],
  ])('reports a default export that is %s', async (_what, source, described) => {
    const result = await service.inspect(source);
    expect(result).toEqual({
      ok: false,
      errors: [{ path: 'source', message: `The default export must be a plain object like { definition, preferences, handlers }, but it is ${described}` }],
    });
  });

  it('reports handlers that are not an object', async () => {
    const result = await service.inspect("export default { handlers: 'list' }");
    expect(result).toEqual({ ok: false, errors: [{ path: 'handlers', message: 'handlers must be an object of functions, but it is "list"' }] });
  });

  it('reports a definition that cannot become JSON', async () => {
    const result = await service.inspect('const d = {}; d.self = d; export default { definition: d }');
    expect(result).toEqual({ ok: false, errors: [{ path: 'definition', message: 'definition is not JSON-serialisable: TypeError: circular reference' }] });
  });

  it('reports an import, since SmartApps cannot load other modules', async () => {
    const result = await service.inspect("import fs from 'fs'\nexport default {}");
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.errors.map((e) => e.path)).toEqual(['source']);
  });

  it('stops a module whose top level never ends at the CPU deadline', async () => {
    const result = await service.inspect('while (true) {}\nexport default {}');
    expect(result).toEqual({ ok: false, errors: [{ path: 'source', message: 'Execution exceeded the CPU limit of 300 ms' }] });
  });

  it('rejects a "__proto__" key in the JSON parts', async () => {
    const result = await service.inspect('export default { definition: JSON.parse(\'{"__proto__": {"polluted": true}}\') }');
    expect(result.ok).toBe(false);
    expect(({})).not.toHaveProperty('polluted');
  });
});
