import { setFlagsFromString } from 'node:v8';
// node:vm only makes an empty context to read V8's gc function from: no SmartApp code ever runs in
// it (SmartApps run in QuickJS, see sandbox.engine.ts).
import { runInNewContext } from 'node:vm';

/**
 * A full garbage collection of this worker's heap. A dropped engine's WebAssembly memory is only
 * freed when V8 collects it, and an idle worker allocates nothing that would make V8 collect; the
 * gc function comes from a context made while --expose-gc was briefly on (no other context gets it).
 */
export const collectGarbage: () => void = (() => {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === 'function') {
    // the process runs with --expose-gc: the flag stays as it is
    return exposed;
  }
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as (() => void) | undefined;
    return typeof gc === 'function' ? gc : () => undefined;
  } catch {
    return () => undefined;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
})();
