import { DEFAULT_FAIRNESS, FairScheduler, type FairnessPolicy, type Tenant } from './sandbox.fairness';

const tenant = (installationId: string, appId = `app-of-${installationId}`, versionKey = `v-of-${appId}`): Tenant => ({ installationId, appId, versionKey, metered: true });

describe('FairScheduler (fake clock)', () => {
  let now: number;
  const schedulerWith = (policy: Partial<FairnessPolicy> = {}): FairScheduler<string> => new FairScheduler<string>({ ...DEFAULT_FAIRNESS, workers: 2, ...policy }, () => now);

  beforeEach(() => {
    now = 1_000_000;
  });

  /** Runs every dispatchable job to completion one at a time, each costing `cpuOf(job)`; returns the order. */
  function runAll(scheduler: FairScheduler<string>, cpuOf: (job: string) => number): string[] {
    const order: string[] = [];
    for (let next = scheduler.next(); next; next = scheduler.next()) {
      order.push(next.job);
      now += cpuOf(next.job);
      scheduler.finish(next.ticket, { cpuMs: cpuOf(next.job), killed: undefined });
    }
    return order;
  }

  it('serves installations in turn rather than first come, first served', () => {
    const scheduler = schedulerWith({ workers: 1 });
    for (const job of ['a1', 'a2', 'a3']) {
      expect(scheduler.enqueue(tenant('a'), job)).toBeUndefined();
    }
    for (const job of ['b1', 'b2', 'b3']) {
      expect(scheduler.enqueue(tenant('b'), job)).toBeUndefined();
    }
    expect(runAll(scheduler, () => 10)).toEqual(['a1', 'b1', 'a2', 'b2', 'a3', 'b3']);
  });

  it('orders by CPU used: a cheap installation runs several times per run of an expensive one', () => {
    const scheduler = schedulerWith({ workers: 1 });
    for (let i = 1; i <= 3; i++) {
      scheduler.enqueue(tenant('heavy'), `h${i}`);
    }
    for (let i = 1; i <= 6; i++) {
      scheduler.enqueue(tenant('light'), `l${i}`);
    }
    const order = runAll(scheduler, (job) => (job.startsWith('h') ? 30 : 10));
    // after h1 (30 ms) the light one catches up with three 10 ms runs before h2
    expect(order.slice(0, 5)).toEqual(['h1', 'l1', 'l2', 'l3', 'h2']);
  });

  it('an installation that was idle does not bank credit', () => {
    const scheduler = schedulerWith({ workers: 1 });
    for (let i = 1; i <= 5; i++) {
      scheduler.enqueue(tenant('busy'), `b${i}`);
    }
    const first = runAll(scheduler, () => 10);
    expect(first).toHaveLength(5);
    // 'busy' served 50 ms; 'late' starts now and must not get 5 runs in a row
    for (let i = 6; i <= 8; i++) {
      scheduler.enqueue(tenant('busy'), `b${i}`);
    }
    for (let i = 1; i <= 3; i++) {
      scheduler.enqueue(tenant('late'), `x${i}`);
    }
    const order = runAll(scheduler, () => 10);
    expect(order.slice(0, 4).filter((job) => job.startsWith('b')).length).toBeGreaterThanOrEqual(1);
  });

  it('caps the runs of one installation at a time and keeps a worker in reserve for the others', () => {
    const scheduler = schedulerWith({ workers: 4, perInstallationConcurrency: 2, reserveWorkers: 1 });
    for (let i = 1; i <= 5; i++) {
      scheduler.enqueue(tenant('greedy'), `g${i}`);
    }
    expect(scheduler.next()?.job).toBe('g1');
    expect(scheduler.next()?.job).toBe('g2');
    // the cap: no third run of 'greedy' while two are running
    expect(scheduler.next()).toBeUndefined();
    scheduler.enqueue(tenant('other'), 'o1');
    expect(scheduler.next()?.job).toBe('o1');
  });

  it('one SmartApp with many installations never holds every worker', () => {
    const scheduler = schedulerWith({ workers: 2, reserveWorkers: 1 });
    for (const id of ['h1', 'h2', 'h3', 'h4']) {
      scheduler.enqueue(tenant(id, 'hostile'), `${id}-call`);
    }
    const first = scheduler.next();
    expect(first?.tenant.appId).toBe('hostile');
    // the second worker stays free for other SmartApps
    expect(scheduler.next()).toBeUndefined();
    scheduler.enqueue(tenant('normal', 'nice'), 'n1');
    expect(scheduler.next()?.job).toBe('n1');
    expect(scheduler.runningCount).toBe(2);
  });

  it('with a single worker nobody is kept out of it', () => {
    const scheduler = schedulerWith({ workers: 1, reserveWorkers: 1 });
    scheduler.enqueue(tenant('only'), 'o1');
    expect(scheduler.next()?.job).toBe('o1');
  });

  it('refuses at once beyond the installation queue, and beyond the total queue', () => {
    const scheduler = schedulerWith({ perInstallationQueue: 2, totalQueue: 3 });
    expect(scheduler.enqueue(tenant('a'), 'a1')).toBeUndefined();
    expect(scheduler.enqueue(tenant('a'), 'a2')).toBeUndefined();
    expect(scheduler.enqueue(tenant('a'), 'a3')).toMatchObject({ reason: 'queue_full', retryAfterSeconds: 1 });
    expect(scheduler.enqueue(tenant('b'), 'b1')).toBeUndefined();
    expect(scheduler.enqueue(tenant('c'), 'c1')).toMatchObject({ reason: 'overloaded' });
    expect(scheduler.waitingCount).toBe(3);
  });

  it('refuses an installation that spent its CPU budget until the window turns', () => {
    const scheduler = schedulerWith({ cpuWindowMs: 60_000, installationCpuMsPerWindow: 100, appCpuMsPerWindow: 0 });
    scheduler.enqueue(tenant('a'), 'a1');
    const run = scheduler.next();
    now += 10_000;
    scheduler.finish(run!.ticket, { cpuMs: 120, killed: undefined });
    expect(scheduler.enqueue(tenant('a'), 'a2')).toMatchObject({ reason: 'installation_cpu', retryAfterSeconds: 50 });
    // another installation is not affected
    expect(scheduler.enqueue(tenant('b'), 'b1')).toBeUndefined();
    now += 50_000;
    expect(scheduler.enqueue(tenant('a'), 'a3')).toBeUndefined();
  });

  it("refuses every installation of a SmartApp that spent the SmartApp's budget", () => {
    const scheduler = schedulerWith({ installationCpuMsPerWindow: 0, appCpuMsPerWindow: 100 });
    scheduler.enqueue(tenant('a1', 'app'), 'x');
    const run = scheduler.next();
    scheduler.finish(run!.ticket, { cpuMs: 100, killed: undefined });
    expect(scheduler.enqueue(tenant('a2', 'app'), 'y')).toMatchObject({ reason: 'app_cpu', retryAfterSeconds: 60 });
    expect(scheduler.enqueue(tenant('b', 'other'), 'z')).toBeUndefined();
    expect(scheduler.usage('app')).toMatchObject({ runs: 1, cpuMs: 100, refused: 1, window: { cpuMs: 100, budgetMs: 100 } });
  });

  it('platform calls (not metered) have neither budget nor quarantine', () => {
    const scheduler = schedulerWith({ installationCpuMsPerWindow: 1, quarantineAfterKills: 1 });
    const platform: Tenant = { installationId: '(inspect)', appId: '(platform)', versionKey: '', metered: false };
    for (let i = 0; i < 3; i++) {
      expect(scheduler.enqueue(platform, `p${i}`)).toBeUndefined();
      const run = scheduler.next();
      expect(scheduler.finish(run!.ticket, { cpuMs: 1000, killed: 'timeout' })).toEqual([]);
    }
  });

  function kill(scheduler: FairScheduler<string>, who: Tenant, killed: 'timeout' | 'memory' = 'timeout') {
    const refused = scheduler.enqueue(who, 'k');
    if (refused) {
      return { refused, notices: [] };
    }
    const run = scheduler.next();
    now += 1000;
    return { refused: undefined, notices: scheduler.finish(run!.ticket, { cpuMs: 1000, killed }) };
  }

  it('quarantines after repeated kills with a growing back-off, released when it ends', () => {
    const scheduler = schedulerWith({ quarantineAfterKills: 3, quarantineBaseMs: 30_000, quarantineMaxMs: 100_000, installationCpuMsPerWindow: 0, appCpuMsPerWindow: 0 });
    const bad = tenant('bad');
    expect(kill(scheduler, bad).notices).toEqual([]);
    expect(kill(scheduler, bad, 'memory').notices).toEqual([]);
    expect(kill(scheduler, bad).notices).toEqual([{ scope: 'installation', untilMs: now + 30_000, durationMs: 30_000, kills: 3 }]);
    expect(scheduler.enqueue(bad, 'refused')).toMatchObject({ reason: 'quarantined', retryAfterSeconds: 30 });
    expect(scheduler.enqueue(tenant('good'), 'g')).toBeUndefined();
    expect(runAll(scheduler, () => 1)).toEqual(['g']);
    now += 30_000;
    // released; three more kills quarantine it twice as long, then the cap
    kill(scheduler, bad);
    kill(scheduler, bad);
    expect(kill(scheduler, bad).notices[0]).toMatchObject({ durationMs: 60_000 });
    now += 60_000;
    kill(scheduler, bad);
    kill(scheduler, bad);
    expect(kill(scheduler, bad).notices[0]).toMatchObject({ durationMs: 100_000 });
    expect(scheduler.usage(bad.appId)).toMatchObject({ timeouts: 8, memoryKills: 1, quarantines: 3, quarantinedInstallations: 1 });
  });

  it('a clean run resets the count of kills and, after a release, the back-off', () => {
    const scheduler = schedulerWith({ quarantineAfterKills: 2, quarantineBaseMs: 10_000, installationCpuMsPerWindow: 0, appCpuMsPerWindow: 0 });
    const flaky = tenant('flaky');
    kill(scheduler, flaky);
    scheduler.enqueue(flaky, 'ok');
    scheduler.finish(scheduler.next()!.ticket, { cpuMs: 5, killed: undefined });
    expect(kill(scheduler, flaky).notices).toEqual([]);
    expect(kill(scheduler, flaky).notices[0]).toMatchObject({ durationMs: 10_000 });
    now += 10_000;
    scheduler.enqueue(flaky, 'ok');
    scheduler.finish(scheduler.next()!.ticket, { cpuMs: 5, killed: undefined });
    kill(scheduler, flaky);
    expect(kill(scheduler, flaky).notices[0]).toMatchObject({ durationMs: 10_000 });
  });

  it('tells whether a known installation would be refused now, without queueing anything', () => {
    const scheduler = schedulerWith({ quarantineAfterKills: 1, quarantineBaseMs: 10_000, installationCpuMsPerWindow: 0, appCpuMsPerWindow: 0 });
    expect(scheduler.refusalOf('never-seen')).toBeUndefined();
    const bad = tenant('bad');
    kill(scheduler, bad);
    expect(scheduler.refusalOf('bad')).toMatchObject({ reason: 'quarantined', retryAfterSeconds: 10 });
    expect(scheduler.waitingCount).toBe(0);
    expect(scheduler.usage(bad.appId).refused).toBe(1);
    now += 10_000;
    expect(scheduler.refusalOf('bad')).toBeUndefined();
  });

  it('quarantines the SmartApp version when many of its installations are quarantined', () => {
    const scheduler = schedulerWith({ workers: 4, quarantineAfterKills: 1, versionQuarantineInstallations: 3, quarantineBaseMs: 20_000, installationCpuMsPerWindow: 0, appCpuMsPerWindow: 0 });
    const of = (id: string): Tenant => tenant(id, 'loop-app', 'loop-v1');
    expect(kill(scheduler, of('i1')).notices.map((n) => n.scope)).toEqual(['installation']);
    expect(kill(scheduler, of('i2')).notices.map((n) => n.scope)).toEqual(['installation']);
    expect(kill(scheduler, of('i3')).notices.map((n) => n.scope)).toEqual(['installation', 'version']);
    // a fresh installation of that version is refused too; another version of the app is not
    expect(scheduler.enqueue(of('i4'), 'x')).toMatchObject({ reason: 'version_quarantined', retryAfterSeconds: 20 });
    expect(scheduler.enqueue(tenant('j1', 'loop-app', 'loop-v2'), 'y')).toBeUndefined();
    now += 20_000;
    expect(scheduler.enqueue(of('i4'), 'z')).toBeUndefined();
  });
});
