// Who runs next on the sandbox's workers, and who is refused at once. Pure policy: no timers, no
// threads; the time comes from the clock it is given, so its rules are tested with a fake one.

/** Whose code a call runs; calls with the same installationId share one queue, caps and budget. */
export interface Tenant {
  installationId: string;
  /** the SmartApp the installation runs: its budget and usage are counted across its installations */
  appId: string;
  /** the SmartApp version: many installations of one version in quarantine quarantine the version */
  versionKey: string;
  /** budgets, caps, reserve and quarantine apply (handler runs); off for the platform's own calls (inspecting a module) */
  metered: boolean;
}

export interface FairnessPolicy {
  /** worker threads the scheduler hands calls to */
  workers: number;
  /** runs of one installation at the same time */
  perInstallationConcurrency: number;
  /** calls of one installation waiting for a worker; beyond them a call is refused (429) */
  perInstallationQueue: number;
  /** calls waiting in total; beyond them a call is refused (503) */
  totalQueue: number;
  /** workers one installation or one SmartApp can never take: room for the others (when there are 2+ workers) */
  reserveWorkers: number;
  /** length of the CPU budget window */
  cpuWindowMs: number;
  /** CPU milliseconds one installation may use per window; 0 = unlimited */
  installationCpuMsPerWindow: number;
  /** CPU milliseconds all installations of one SmartApp may use per window; 0 = unlimited */
  appCpuMsPerWindow: number;
  /** deadline or memory kills in a row that quarantine an installation */
  quarantineAfterKills: number;
  /** first quarantine; each further one without a clean run in between doubles it */
  quarantineBaseMs: number;
  quarantineMaxMs: number;
  /** installations of one version quarantined within a window that quarantine the version itself */
  versionQuarantineInstallations: number;
}

export const DEFAULT_FAIRNESS: Readonly<Omit<FairnessPolicy, 'workers'>> = Object.freeze({
  perInstallationConcurrency: 2,
  perInstallationQueue: 16,
  totalQueue: 1000,
  reserveWorkers: 1,
  cpuWindowMs: 60_000,
  installationCpuMsPerWindow: 20_000,
  appCpuMsPerWindow: 60_000,
  quarantineAfterKills: 3,
  quarantineBaseMs: 30_000,
  quarantineMaxMs: 30 * 60_000,
  versionQuarantineInstallations: 3,
});

export type RefusalReason = 'queue_full' | 'overloaded' | 'installation_cpu' | 'app_cpu' | 'quarantined' | 'version_quarantined';

export interface Refusal {
  reason: RefusalReason;
  /** whole seconds until a call may succeed again (at least 1) */
  retryAfterSeconds: number;
  message: string;
}

/** What a finished run tells the scheduler. */
export interface RunReport {
  cpuMs: number;
  /** the run was stopped by its deadline or memory cap (or its worker was lost) */
  killed: 'timeout' | 'memory' | undefined;
}

/** A quarantine a run's report started, for the caller to record. */
export interface QuarantineNotice {
  scope: 'installation' | 'version';
  untilMs: number;
  durationMs: number;
  kills: number;
}

export interface AppUsage {
  runs: number;
  cpuMs: number;
  timeouts: number;
  memoryKills: number;
  refused: number;
  quarantines: number;
  /** installations of the app in quarantine now */
  quarantinedInstallations: number;
  /** the window's CPU use of the app, its budget, and when the window turns */
  window: { cpuMs: number; budgetMs: number; resetsAt: number };
}

interface Waiting<J> {
  job: J;
  tenant: Tenant;
}

interface InstallationState {
  queue: Waiting<unknown>[];
  running: number;
  /** CPU milliseconds served, for fair order (start-time fair queuing) */
  served: number;
  appId: string;
  versionKey: string;
  metered: boolean;
  windowStart: number;
  windowCpuMs: number;
  killsInARow: number;
  quarantines: number;
  quarantinedUntil: number;
}

interface AppState {
  running: number;
  windowStart: number;
  windowCpuMs: number;
  usage: Omit<AppUsage, 'quarantinedInstallations' | 'window'>;
}

interface VersionState {
  /** installations quarantined recently: id -> when */
  quarantined: Map<string, number>;
  quarantines: number;
  quarantinedUntil: number;
}

/** What `next` hands out: run `job`, then call `finish(ticket, report)`. */
export interface Dispatch<J> {
  job: J;
  tenant: Tenant;
  ticket: Tenant;
}

const SWEEP_EVERY = 1000;

const seconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

/**
 * Per-installation queues served in start-time fair order by CPU used: the waiting installation
 * that has used the least CPU goes next, one that was idle joins at the level of the busiest
 * waiting one (no banking credit while idle). Caps: a few runs at once per installation, and no
 * installation or SmartApp on every worker (the reserve). Refusals are decided at once, never by
 * waiting: a full queue, a spent CPU budget, a quarantine.
 */
export class FairScheduler<J> {
  private readonly installations = new Map<string, InstallationState>();
  private readonly apps = new Map<string, AppState>();
  private readonly versions = new Map<string, VersionState>();
  /** installations with calls waiting */
  private readonly active = new Set<InstallationState>();
  private waiting = 0;
  private running = 0;
  private enqueued = 0;

  constructor(
    private readonly policy: FairnessPolicy,
    private readonly now: () => number,
  ) {}

  /** Queues a call, or says why it is refused right away. */
  enqueue(tenant: Tenant, job: J): Refusal | undefined {
    const refusal = this.refusalFor(tenant);
    if (refusal) {
      if (tenant.metered) {
        this.app(tenant.appId).usage.refused += 1;
      }
      return refusal;
    }
    const state = this.installation(tenant);
    state.appId = tenant.appId;
    state.versionKey = tenant.versionKey;
    state.queue.push({ job, tenant });
    this.active.add(state);
    this.waiting += 1;
    if (++this.enqueued % SWEEP_EVERY === 0) {
      this.sweep();
    }
    return undefined;
  }

  /**
   * Whether a call of an installation seen before would be refused now (quarantine, spent budget),
   * from what is known of it, so the caller can answer before doing any other work. Never queues.
   */
  refusalOf(installationId: string): Refusal | undefined {
    const state = this.installations.get(installationId);
    if (!state || !state.metered) {
      return undefined;
    }
    const refusal = this.refusalFor({ installationId, appId: state.appId, versionKey: state.versionKey, metered: true });
    // a full queue is for the call itself to find out
    if (!refusal || refusal.reason === 'queue_full' || refusal.reason === 'overloaded') {
      return undefined;
    }
    this.app(state.appId).usage.refused += 1;
    return refusal;
  }

  /** The next call to run on a free worker, respecting the caps; undefined when none may run now. */
  next(): Dispatch<J> | undefined {
    let best: InstallationState | undefined;
    for (const state of this.active) {
      if (!this.mayRun(state)) {
        continue;
      }
      if (!best || state.served < best.served) {
        best = state;
      }
    }
    const waiting = best?.queue.shift();
    if (!best || !waiting) {
      return undefined;
    }
    this.waiting -= 1;
    if (best.queue.length === 0) {
      this.active.delete(best);
    }
    best.running += 1;
    this.running += 1;
    this.app(best.appId).running += 1;
    return { job: waiting.job as J, tenant: waiting.tenant, ticket: waiting.tenant };
  }

  /** Books a finished run; returns the quarantines it started, if any. */
  finish(ticket: Tenant, report: RunReport): QuarantineNotice[] {
    const now = this.now();
    const state = this.installation(ticket);
    const app = this.app(ticket.appId);
    state.running = Math.max(0, state.running - 1);
    this.running = Math.max(0, this.running - 1);
    app.running = Math.max(0, app.running - 1);
    const cpuMs = Math.max(0, report.cpuMs);
    state.served += Math.max(1, cpuMs);
    if (!ticket.metered) {
      return [];
    }
    this.turnWindows(state, app, now);
    state.windowCpuMs += cpuMs;
    app.windowCpuMs += cpuMs;
    app.usage.runs += 1;
    app.usage.cpuMs += cpuMs;
    if (report.killed === 'timeout') {
      app.usage.timeouts += 1;
    } else if (report.killed === 'memory') {
      app.usage.memoryKills += 1;
    }
    if (!report.killed) {
      state.killsInARow = 0;
      // a clean run after a quarantine ends the growing back-off
      if (state.quarantinedUntil <= now) {
        state.quarantines = 0;
      }
      return [];
    }
    state.killsInARow += 1;
    if (state.killsInARow < this.policy.quarantineAfterKills || state.quarantinedUntil > now) {
      return [];
    }
    const notices: QuarantineNotice[] = [];
    const durationMs = this.backoff(state.quarantines);
    state.quarantines += 1;
    state.quarantinedUntil = now + durationMs;
    app.usage.quarantines += 1;
    notices.push({ scope: 'installation', untilMs: state.quarantinedUntil, durationMs, kills: state.killsInARow });
    state.killsInARow = 0;
    const version = this.version(ticket.versionKey);
    version.quarantined.set(ticket.installationId, now);
    for (const [id, at] of version.quarantined) {
      if (at <= now - this.policy.cpuWindowMs) {
        version.quarantined.delete(id);
      }
    }
    if (version.quarantined.size >= this.policy.versionQuarantineInstallations && version.quarantinedUntil <= now) {
      const versionMs = this.backoff(version.quarantines);
      version.quarantines += 1;
      version.quarantinedUntil = now + versionMs;
      version.quarantined.clear();
      notices.push({ scope: 'version', untilMs: version.quarantinedUntil, durationMs: versionMs, kills: state.quarantines });
    }
    return notices;
  }

  /** Every waiting job, removed (the pool is closing). */
  drain(): J[] {
    const jobs: J[] = [];
    for (const state of this.active) {
      jobs.push(...state.queue.splice(0).map((waiting) => waiting.job as J));
    }
    this.active.clear();
    this.waiting = 0;
    return jobs;
  }

  /** Removes the oldest waiting job of any installation (a broken pool fails it). */
  dropOldest(): J | undefined {
    for (const state of this.active) {
      const waiting = state.queue.shift();
      if (state.queue.length === 0) {
        this.active.delete(state);
      }
      if (waiting) {
        this.waiting -= 1;
        return waiting.job as J;
      }
    }
    return undefined;
  }

  get waitingCount(): number {
    return this.waiting;
  }

  get runningCount(): number {
    return this.running;
  }

  /** Usage of one SmartApp since this process started, and its current window. */
  usage(appId: string): AppUsage {
    const now = this.now();
    const app = this.app(appId);
    if (app.windowStart + this.policy.cpuWindowMs <= now) {
      app.windowStart = now;
      app.windowCpuMs = 0;
    }
    let quarantinedInstallations = 0;
    for (const state of this.installations.values()) {
      if (state.appId === appId && state.quarantinedUntil > now) {
        quarantinedInstallations += 1;
      }
    }
    return {
      ...app.usage,
      quarantinedInstallations,
      window: { cpuMs: app.windowCpuMs, budgetMs: this.policy.appCpuMsPerWindow, resetsAt: app.windowStart + this.policy.cpuWindowMs },
    };
  }

  private refusalFor(tenant: Tenant): Refusal | undefined {
    const now = this.now();
    const state = this.installation(tenant);
    if (tenant.metered) {
      const version = this.versions.get(tenant.versionKey);
      if (version && version.quarantinedUntil > now) {
        return {
          reason: 'version_quarantined',
          retryAfterSeconds: seconds(version.quarantinedUntil - now),
          message: 'This SmartApp version is quarantined after repeated deadline or memory kills in many installations',
        };
      }
      if (state.quarantinedUntil > now) {
        return {
          reason: 'quarantined',
          retryAfterSeconds: seconds(state.quarantinedUntil - now),
          message: 'This installation is quarantined after repeated deadline or memory kills',
        };
      }
      const app = this.app(tenant.appId);
      this.turnWindows(state, app, now);
      const { installationCpuMsPerWindow, appCpuMsPerWindow } = this.policy;
      if (installationCpuMsPerWindow > 0 && state.windowCpuMs >= installationCpuMsPerWindow) {
        return {
          reason: 'installation_cpu',
          retryAfterSeconds: seconds(state.windowStart + this.policy.cpuWindowMs - now),
          message: `This installation used its ${installationCpuMsPerWindow} ms of handler CPU time for this window`,
        };
      }
      if (appCpuMsPerWindow > 0 && app.windowCpuMs >= appCpuMsPerWindow) {
        return {
          reason: 'app_cpu',
          retryAfterSeconds: seconds(app.windowStart + this.policy.cpuWindowMs - now),
          message: `This SmartApp used its ${appCpuMsPerWindow} ms of handler CPU time for this window`,
        };
      }
    }
    if (state.queue.length >= this.policy.perInstallationQueue) {
      return { reason: 'queue_full', retryAfterSeconds: 1, message: 'Too many calls of this installation are waiting for the sandbox' };
    }
    if (this.waiting >= this.policy.totalQueue) {
      return { reason: 'overloaded', retryAfterSeconds: 1, message: 'The sandbox is overloaded' };
    }
    return undefined;
  }

  /** Forgets installations that are idle with nothing left to remember (spent window over, no quarantine history). */
  private sweep(): void {
    const now = this.now();
    for (const [id, state] of this.installations) {
      const idle = state.queue.length === 0 && state.running === 0;
      if (idle && state.quarantinedUntil <= now && state.quarantines === 0 && state.killsInARow === 0 && state.windowStart + this.policy.cpuWindowMs <= now) {
        this.installations.delete(id);
      }
    }
  }

  private mayRun(state: InstallationState): boolean {
    if (!state.metered) {
      return true;
    }
    const { workers, reserveWorkers, perInstallationConcurrency } = this.policy;
    // with one worker nobody can be kept out of it
    const share = Math.max(1, workers - reserveWorkers);
    return state.running < Math.min(perInstallationConcurrency, share) && this.app(state.appId).running < share;
  }

  private backoff(previous: number): number {
    return Math.min(this.policy.quarantineMaxMs, this.policy.quarantineBaseMs * 2 ** Math.min(previous, 30));
  }

  private turnWindows(state: InstallationState, app: AppState, now: number): void {
    if (state.windowStart + this.policy.cpuWindowMs <= now) {
      state.windowStart = now;
      state.windowCpuMs = 0;
    }
    if (app.windowStart + this.policy.cpuWindowMs <= now) {
      app.windowStart = now;
      app.windowCpuMs = 0;
    }
  }

  private installation(tenant: Tenant): InstallationState {
    let state = this.installations.get(tenant.installationId);
    if (!state) {
      state = {
        queue: [],
        running: 0,
        served: 0,
        appId: tenant.appId,
        versionKey: tenant.versionKey,
        metered: tenant.metered,
        windowStart: this.now(),
        windowCpuMs: 0,
        killsInARow: 0,
        quarantines: 0,
        quarantinedUntil: 0,
      };
      this.installations.set(tenant.installationId, state);
    }
    if (state.queue.length === 0 && state.running === 0) {
      // an idle installation joins at the level of those waiting, so idling banks no credit
      let floor = Number.POSITIVE_INFINITY;
      for (const other of this.active) {
        if (other !== state) {
          floor = Math.min(floor, other.served);
        }
      }
      if (Number.isFinite(floor)) {
        state.served = Math.max(state.served, floor);
      }
    }
    return state;
  }

  private app(appId: string): AppState {
    let app = this.apps.get(appId);
    if (!app) {
      app = { running: 0, windowStart: this.now(), windowCpuMs: 0, usage: { runs: 0, cpuMs: 0, timeouts: 0, memoryKills: 0, refused: 0, quarantines: 0 } };
      this.apps.set(appId, app);
    }
    return app;
  }

  private version(versionKey: string): VersionState {
    let version = this.versions.get(versionKey);
    if (!version) {
      version = { quarantined: new Map(), quarantines: 0, quarantinedUntil: 0 };
      this.versions.set(versionKey, version);
    }
    return version;
  }
}
