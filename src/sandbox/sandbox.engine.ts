import { QuickJSFFI } from '@jitl/quickjs-wasmfile-release-sync/ffi';
import emscriptenModuleLoader from '@jitl/quickjs-wasmfile-release-sync/emscripten-module';
import { newQuickJSWASMModuleFromVariant, newVariant, QuickJSSyncVariant, QuickJSWASMModule } from 'quickjs-emscripten';

// The release-sync variant as quickjs-emscripten ships it loads its parts with a dynamic import(),
// which Node's CommonJS under Jest refuses; the same parts loaded statically.
const RELEASE_SYNC_STATIC: QuickJSSyncVariant = {
  type: 'sync',
  importFFI: () => Promise.resolve(QuickJSFFI as unknown as Awaited<ReturnType<QuickJSSyncVariant['importFFI']>>),
  importModuleLoader: () => Promise.resolve(emscriptenModuleLoader as unknown as Awaited<ReturnType<QuickJSSyncVariant['importModuleLoader']>>),
};

// The project's lib (ES2022, no DOM) carries no WebAssembly types; this is the part used here.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(deltaPages: number): number;
}
declare const WebAssembly: { Memory: new (descriptor: { initial: number; maximum: number }) => WasmMemory };

const WASM_PAGE_BYTES = 64 * 1024;
// The release-sync build declares a 16 MiB minimum for its imported memory (code data, C stack, first heap).
const ENGINE_BASE_PAGES = 256;
// emscripten's glue in this build never grows past 2 GiB
const ENGINE_MAX_PAGES = 32768;

/**
 * One instance of the QuickJS WebAssembly module with a capped linear memory.
 *
 * quickjs-emscripten's `setMemoryLimit` only bounds single allocations in emscripten builds
 * (QuickJS cannot see allocation sizes there, see quickjs-emscripten issues #255 and #271),
 * so the real cap on what a run can allocate is the maximum size of the module's memory.
 * Runs are synchronous and never interleave, so each run gets the whole cap to itself.
 */
export class QuickJsEngine {
  private exhaustions = 0;

  private constructor(
    readonly module: QuickJSWASMModule,
    private readonly memory: WasmMemory,
  ) {}

  static async create(memoryBytes: number): Promise<QuickJsEngine> {
    const maximum = Math.min(ENGINE_MAX_PAGES, ENGINE_BASE_PAGES + Math.ceil(memoryBytes / WASM_PAGE_BYTES));
    const memory = new WebAssembly.Memory({ initial: ENGINE_BASE_PAGES, maximum });
    let engine: QuickJsEngine | undefined;
    const grow = memory.grow.bind(memory);
    // emscripten grows the memory from JS when malloc runs out; a refusal here is the run hitting its cap
    Object.defineProperty(memory, 'grow', {
      value: (delta: number): number => {
        try {
          return grow(delta);
        } catch (err) {
          if (engine) {
            engine.exhaustions += 1;
          }
          throw err;
        }
      },
    });
    const module = await newQuickJSWASMModuleFromVariant(newVariant(RELEASE_SYNC_STATIC, { wasmMemory: memory }));
    engine = new QuickJsEngine(module, memory);
    return engine;
  }

  /** Size of the linear memory now: it only grows (a WebAssembly memory never shrinks), so it is the most this engine ever held. */
  memoryBytes(): number {
    return this.memory.buffer.byteLength;
  }

  /** Monotonic count of refused memory growths; compare before and after a run. */
  memoryExhaustions(): number {
    return this.exhaustions;
  }
}

/** Engines by memory cap. An engine that broke mid-call (e.g. native stack overflow) is discarded and rebuilt. */
export class EnginePool {
  private readonly engines = new Map<number, Promise<QuickJsEngine>>();
  private readonly capOf = new WeakMap<QuickJsEngine, number>();
  private readonly ready = new Set<QuickJsEngine>();
  private created = 0;
  private discarded = 0;

  acquire(memoryBytes: number): Promise<QuickJsEngine> {
    const existing = this.engines.get(memoryBytes);
    if (existing) {
      return existing;
    }
    const engine = QuickJsEngine.create(memoryBytes).then(
      (ready) => {
        this.capOf.set(ready, memoryBytes);
        this.ready.add(ready);
        return ready;
      },
      (err: unknown) => {
        // a failed load must not be cached forever
        this.engines.delete(memoryBytes);
        throw err;
      },
    );
    this.created += 1;
    this.engines.set(memoryBytes, engine);
    return engine;
  }

  /** Whether `engine` is still the pool's engine for its memory cap. */
  isCurrent(engine: QuickJsEngine): boolean {
    return this.capOf.has(engine);
  }

  discard(engine: QuickJsEngine): void {
    if (this.forget(engine)) {
      this.discarded += 1;
    }
  }

  /** Lets go of a sound engine to free its memory (not counted as discarded); the next acquire builds a new one. */
  release(engine: QuickJsEngine): void {
    this.forget(engine);
  }

  /** The engines ready now, one per memory cap in use. */
  current(): QuickJsEngine[] {
    return [...this.ready];
  }

  private forget(engine: QuickJsEngine): boolean {
    const memoryBytes = this.capOf.get(engine);
    if (memoryBytes === undefined || !this.capOf.delete(engine)) {
      return false;
    }
    this.engines.delete(memoryBytes);
    this.ready.delete(engine);
    return true;
  }

  stats(): { enginesCreated: number; enginesDiscarded: number } {
    return { enginesCreated: this.created, enginesDiscarded: this.discarded };
  }
}
