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
