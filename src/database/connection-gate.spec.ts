import { ConnectionGate } from './connection-gate';

describe('ConnectionGate', () => {
  it('lets one holder in at a time, first come first served, and releases on failure', async () => {
    const gate = new ConnectionGate();
    const order: string[] = [];
    let inside = 0;
    let most = 0;
    const hold = (name: string, fail = false) =>
      gate.hold(async () => {
        inside += 1;
        most = Math.max(most, inside);
        order.push(`${name} in`);
        await new Promise((resolve) => setImmediate(resolve));
        order.push(`${name} out`);
        inside -= 1;
        if (fail) {
          throw new Error(name);
        }
        return name;
      });
    const results = await Promise.allSettled([hold('a'), hold('b', true), hold('c')]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(order).toEqual(['a in', 'a out', 'b in', 'b out', 'c in', 'c out']);
    expect(most).toBe(1);
    expect(gate.busy).toBe(false);
  });
});

describe('ConnectionGate, shared holders (reads)', () => {
  const tick = () => new Promise((resolve) => setImmediate(resolve));

  it('lets shared holders in together, keeps a transaction apart from them, and holds back the reads that come after a waiting transaction', async () => {
    const gate = new ConnectionGate();
    const log: string[] = [];
    const enter = (name: string, shared: boolean, ticks = 2) =>
      (shared ? gate.holdShared.bind(gate) : gate.hold.bind(gate))(async () => {
        log.push(`${name} in`);
        for (let i = 0; i < ticks; i++) {
          await tick();
        }
        log.push(`${name} out`);
      });
    await Promise.all([enter('r1', true), enter('r2', true), enter('w', false), enter('r3', true), enter('r4', true)]);
    expect(log).toEqual(['r1 in', 'r2 in', 'r1 out', 'r2 out', 'w in', 'w out', 'r3 in', 'r4 in', 'r3 out', 'r4 out']);
    expect(gate.busy).toBe(false);
  });

  it('lets a read in while another read runs, but never while a transaction runs', async () => {
    const gate = new ConnectionGate();
    let writing = false;
    let readsDuringWrite = 0;
    let readsAtOnce = 0;
    let mostReadsAtOnce = 0;
    const read = () =>
      gate.holdShared(async () => {
        readsDuringWrite += writing ? 1 : 0;
        readsAtOnce += 1;
        mostReadsAtOnce = Math.max(mostReadsAtOnce, readsAtOnce);
        await tick();
        readsAtOnce -= 1;
      });
    const write = () =>
      gate.hold(async () => {
        writing = true;
        await tick();
        await tick();
        writing = false;
      });
    await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 5 === 2 ? write() : read())));
    expect(readsDuringWrite).toBe(0);
    expect(mostReadsAtOnce).toBeGreaterThan(1);
  });

  it('releases a shared hold whose work failed', async () => {
    const gate = new ConnectionGate();
    await expect(gate.holdShared(() => Promise.reject(new Error('read failed')))).rejects.toThrow('read failed');
    expect(gate.busy).toBe(false);
    await expect(gate.hold(() => Promise.resolve('written'))).resolves.toBe('written');
  });
});
