import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import * as net from 'node:net';

const SETTLE_MS = 100;

export interface ShutdownLogger {
  log(message: string): void;
  warn(message: string): void;
}

export interface ShutdownSteps {
  /** stop the background loops after their current item and hand back their claims */
  stopWork(): Promise<void>;
  /** close the rest: sandbox pool, then database (Nest's app.close()) */
  closeApp(): Promise<void>;
}

/** What a shutdown did, for the log and for tests. */
export interface ShutdownReport {
  inFlightAtStart: number;
  /** requests still running when the grace period ended (answered by the closing app, or cut) */
  cutShort: number;
  ms: number;
}

/**
 * Stops the platform in order (SIGTERM / SIGINT): stop accepting connections → let in-flight
 * requests (and the handler runs inside them) finish, and stop the event loops after their
 * current item, both within SHUTDOWN_GRACE_MS → close the sandbox pool → close the database.
 * A request still running when the grace period ends gets the pool's "unavailable" (a 503 with
 * Retry-After, see common/platform-unavailable.ts), never a failure blamed on its SmartApp.
 */
export class GracefulShutdown {
  private inFlight = 0;
  private closing: Promise<ShutdownReport> | null = null;
  private readonly idleWaiters: (() => void)[] = [];

  constructor(
    private readonly server: Server,
    private readonly graceMs: number,
    private readonly logger: ShutdownLogger,
  ) {
    // first listener: counts every request and, once closing, asks the client not to reuse the connection
    server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
      this.inFlight++;
      if (this.closing) {
        res.setHeader('Connection', 'close');
      }
      res.once('close', () => {
        this.inFlight--;
        if (this.inFlight === 0) {
          this.idleWaiters.splice(0).forEach((wake) => wake());
        }
      });
    });
  }

  get requestsInFlight(): number {
    return this.inFlight;
  }

  /** Runs the shutdown once; later calls get the same promise. */
  shutdown(steps: ShutdownSteps): Promise<ShutdownReport> {
    this.closing ??= this.run(steps);
    return this.closing;
  }

  private async run(steps: ShutdownSteps): Promise<ShutdownReport> {
    const started = Date.now();
    const inFlightAtStart = this.inFlight;
    this.logger.log(`shutting down: ${inFlightAtStart} request(s) in flight, up to ${this.graceMs} ms to finish`);
    // 1. no new connections. Not http's close(), which also drops connections that carry no
    // request yet, among them one whose request is already on its way: those are served, with
    // "Connection: close", like every response from now on.
    net.Server.prototype.close.call(this.server);
    // 2. in-flight requests and the current event items finish, within the grace period
    const deadline = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), this.graceMs).unref());
    const drained = Promise.all([this.requestsDone(), steps.stopWork()]).then(() => 'done' as const);
    const outcome = await Promise.race([drained, deadline]);
    const cutShort = outcome === 'late' ? this.inFlight : 0;
    if (outcome === 'late') {
      this.logger.warn(`shutdown: grace period over with ${cutShort} request(s) still running; they are answered 503`);
    }
    // 3. sandbox pool, then database; a connection still open a little later is cut
    this.server.closeIdleConnections();
    const cut = setTimeout(() => this.server.closeAllConnections(), 2000);
    cut.unref();
    await steps.closeApp();
    clearTimeout(cut);
    const ms = Date.now() - started;
    this.logger.log(`shut down in ${ms} ms`);
    return { inFlightAtStart, cutShort, ms };
  }

  // Done when no request is running, after a short settling pause, so a request whose bytes
  // arrived together with the signal is counted before "none left" is believed.
  private async requestsDone(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    while (this.inFlight > 0) {
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    }
  }
}
