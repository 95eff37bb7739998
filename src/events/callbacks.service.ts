import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { Transactions } from '../database/transactions';
import { Invalidations } from '../invalidation/invalidations.service';
import { InstallationsService } from '../installations/installations.service';
import { ClientsService } from '../oauth/clients.service';
import type { Callback, HttpPolicy, LogLine } from '../sandbox/sandbox.types';
import { callbackBody } from './callback-body';
import { CallbackDelivery } from './callback-delivery.entity';
import { postJson, SendResult } from './callback-sender';
import { callbackHeaders } from './callback-signature';
import { checkCallbackUrl, describeCallbackUrl } from './callback-url';
import { backoffMs, ClaimQueue } from './claims/claim-queue';
import { Clock } from './clock';
import { markWorkPending } from './commit-signal';
import { InstanceIdentity } from './instance-identity';
import { WakeUp } from './wake-up';

const MAX_PER_RUN = 20;
const MAX_BODY_BYTES = 64 * 1024;
const CLAIMS_PER_ROUND = 16;

type Verdict = { kind: 'delivered' } | { kind: 'retry' } | { kind: 'give_up' };

function verdictOf(result: SendResult): Verdict {
  if (result.kind === 'error') {
    return { kind: 'retry' };
  }
  if (result.status >= 200 && result.status < 300) {
    return { kind: 'delivered' };
  }
  // the receiver is down or busy: try again; anything else (4xx, a redirect) will not get better
  return result.status >= 500 || result.status === 408 || result.status === 429 ? { kind: 'retry' } : { kind: 'give_up' };
}

// ctx.httpPostJson: queued in the handler's transaction, sent after it commits, signed with the
// OAuth client's webhook secret, only under the client's callback prefixes, retried with backoff
// on 5xx / 408 / 429 / timeouts / connection errors for `callbackRetrySeconds`. Every attempt is
// in the installation's activity. Each round claims at most one callback per installation (its
// oldest due one), so an installation with a backlog never fills a round, and every claim lasts at
// most one attempt (CALLBACK_TIMEOUT_MS).
export type CallbackAttemptOutcome = 'delivered' | 'failed';

/** How long a client's callback prefixes are kept for handlers' outgoing requests. */
const HTTP_POLICY_MS = 5000;

@Injectable()
export class CallbacksService {
  private readonly logger = new Logger(CallbacksService.name);
  private readonly queue: ClaimQueue<CallbackDelivery>;
  private readonly attemptObservers: ((outcome: CallbackAttemptOutcome) => void)[] = [];
  private readonly policies = new Map<string, { policy: HttpPolicy; until: number }>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly transactions: Transactions,
    private readonly clock: Clock,
    private readonly identity: InstanceIdentity,
    private readonly installations: InstallationsService,
    private readonly clients: ClientsService,
    private readonly wakeUp: WakeUp,
    invalidations: Invalidations,
  ) {
    invalidations.subscribe((change) => {
      if (change === 'all') {
        this.policies.clear();
      } else if (change.kind === 'client') {
        this.policies.delete(change.id);
      }
    });
    this.queue = new ClaimQueue<CallbackDelivery>(
      {
        entity: CallbackDelivery,
        table: 'callback_deliveries',
        key: { column: 'id', of: (d) => d.id },
        dueColumn: 'next_attempt_at',
        order: ['created_at', 'id'],
        group: { column: 'installation_id', mode: 'first' },
        batch: CLAIMS_PER_ROUND,
      },
      transactions,
      clock,
      identity,
      config.events,
    );
  }

  /** Queues the handler's callbacks inside its transaction; refused ones go to the app's log and the activity. */
  async enqueue(tx: EntityManager, installation: { id: string; clientId: string | null }, callbacks: Callback[], now: Date): Promise<LogLine[]> {
    if (callbacks.length === 0) {
      return [];
    }
    const lines: LogLine[] = [];
    const prefixes = await this.prefixesOf(tx, installation.clientId);
    for (const [i, callback] of callbacks.entries()) {
      const shown = describeCallbackUrl(callback.url);
      if (i >= MAX_PER_RUN) {
        lines.push({ level: 'warn', message: `httpPostJson to ${shown} refused: at most ${MAX_PER_RUN} callbacks per handler run` });
        continue;
      }
      const check = checkCallbackUrl(callback.url, prefixes, this.config.events.callbackAllowPrivateNetwork);
      if (!check.ok) {
        lines.push({ level: 'warn', message: `httpPostJson to ${shown} refused: ${check.reason}` });
        await this.installations.recordActivity(installation.id, 'callback', `Refused a callback to ${shown}: ${check.reason}`, tx);
        continue;
      }
      const body = JSON.stringify(callbackBody(callback.body, installation.id));
      if (Buffer.byteLength(body) > MAX_BODY_BYTES) {
        lines.push({ level: 'warn', message: `httpPostJson to ${shown} refused: the body is over ${MAX_BODY_BYTES} bytes` });
        continue;
      }
      await tx.getRepository(CallbackDelivery).insert({
        id: randomUUID(),
        installationId: installation.id,
        url: check.url.href,
        body,
        attempts: 0,
        nextAttemptAt: now,
        claimedBy: null,
        claimedAt: null,
        createdAt: now,
      });
    }
    markWorkPending(tx, () => this.wakeUp.wake());
    return lines;
  }

  /** Sends every due callback (at most `max` attempts); returns how many attempts were made. */
  async drain(max = 500, keepGoing: () => boolean = () => true): Promise<number> {
    let attempted = 0;
    while (attempted < max && keepGoing()) {
      const claimed = await this.queue.claim();
      if (claimed.length === 0) {
        break;
      }
      // one per installation: different installations side by side
      await Promise.all(claimed.map((d) => this.attemptOrRetry(d)));
      attempted += claimed.length;
    }
    return attempted;
  }

  /** Undelivered callbacks of an installation. */
  pendingFor(installationId: string): Promise<number> {
    return this.transactions.read((m) => m.getRepository(CallbackDelivery).count({ where: { installationId } }));
  }

  /** Shutdown: this instance's claims go back, so the next instance sends them at once. */
  releaseClaims(): Promise<number> {
    return this.queue.releaseMine();
  }

  // a platform failure (the database) is not the receiver's: the callback is tried again later
  private async attemptOrRetry(delivery: CallbackDelivery): Promise<void> {
    try {
      await this.attempt(delivery);
    } catch (err) {
      this.logger.error(`callback ${delivery.id} of installation ${delivery.installationId} failed on the platform side, retrying: ${String(err)}`);
      const retryAt = new Date(this.clock.now().getTime() + backoffMs(delivery.attempts + 1, 2000, 10 * 60 * 1000));
      await this.transactions
        .run((tx) => this.queue.reschedule(tx, delivery, { nextAttemptAt: retryAt }))
        .catch((again: unknown) => this.logger.error(`callback ${delivery.id}: could not schedule its retry (its claim lapses instead): ${String(again)}`));
    }
  }

  /** Where a run's ctx.httpGet & co. may go: the same prefixes and private-network rule as its callbacks. */
  /**
   * Where a handler's ctx.httpGet & co. may go: the client's callback prefixes, kept for a few seconds
   * so a warm call reads nothing more (a change announced for the client drops it at once, on every instance).
   */
  async httpPolicyOf(manager: EntityManager, clientId: string | null): Promise<HttpPolicy> {
    const key = clientId ?? '';
    const now = Date.now();
    const kept = this.policies.get(key);
    if (kept && kept.until > now) {
      return kept.policy;
    }
    const policy = { prefixes: await this.prefixesOf(manager, clientId), allowPrivateNetwork: this.config.events.callbackAllowPrivateNetwork };
    if (this.policies.size >= 10000) {
      this.policies.clear();
    }
    this.policies.set(key, { policy, until: now + HTTP_POLICY_MS });
    return policy;
  }

  private async prefixesOf(tx: EntityManager, clientId: string | null): Promise<string[]> {
    const client = clientId ? await this.clients.find(clientId, tx) : null;
    return client?.callbackPrefixes ?? [];
  }

  private async attempt(delivery: CallbackDelivery): Promise<void> {
    const shown = describeCallbackUrl(delivery.url);
    const attempt = delivery.attempts + 1;
    const installation = await this.installations.findActive(delivery.installationId);
    const client = installation?.clientId ? await this.clients.find(installation.clientId) : null;
    if (!installation) {
      await this.transactions.run((tx) => tx.getRepository(CallbackDelivery).delete({ id: delivery.id }));
      return;
    }
    // the prefixes or the secret may have changed since the handler queued it
    const check = checkCallbackUrl(delivery.url, client?.callbackPrefixes ?? [], this.config.events.callbackAllowPrivateNetwork);
    if (!check.ok || !client?.webhookSecret) {
      const reason = check.ok ? 'the OAuth client has no webhook secret to sign with' : check.reason;
      await this.conclude(delivery, `Dropped the callback to ${shown}: ${reason}`);
      return;
    }
    const timestamp = Math.floor(this.clock.now().getTime() / 1000);
    const result = await postJson(
      check.url,
      delivery.body,
      {
        ...callbackHeaders(delivery, this.clients.signingSecrets(client, this.clock.now()), timestamp),
        'User-Agent': 'SmartApp-Platform-Callbacks/1',
      },
      { timeoutMs: this.config.events.callbackTimeoutMs, allowPrivateNetwork: this.config.events.callbackAllowPrivateNetwork },
    );
    const outcome = result.kind === 'status' ? `HTTP ${result.status}` : result.message;
    const verdict = verdictOf(result);
    this.attemptObservers.forEach((observe) => observe(verdict.kind === 'delivered' ? 'delivered' : 'failed'));
    if (verdict.kind === 'delivered') {
      await this.conclude(delivery, `Callback to ${shown}: ${outcome} (attempt ${attempt})`);
      return;
    }
    const now = this.clock.now();
    const retryAt = new Date(now.getTime() + backoffMs(attempt, 2000, 10 * 60 * 1000));
    const deadline = delivery.createdAt.getTime() + this.config.events.callbackRetrySeconds * 1000;
    if (verdict.kind === 'give_up' || retryAt.getTime() > deadline) {
      const why = verdict.kind === 'give_up' ? 'not retried' : `gave up after ${attempt} attempts`;
      this.logger.warn(`callback ${delivery.id} of installation ${delivery.installationId} to ${shown}: ${outcome}, ${why}`);
      await this.conclude(delivery, `Callback to ${shown}: ${outcome} (attempt ${attempt}), ${why}`);
      return;
    }
    await this.transactions.run(async (tx) => {
      const updated = await this.queue.reschedule(tx, delivery, { attempts: attempt, nextAttemptAt: retryAt });
      const retrying = updated ? `, retrying in ${Math.round((retryAt.getTime() - now.getTime()) / 1000)} s` : ', not retried: the installation was removed';
      await this.installations.recordActivity(delivery.installationId, 'callback', `Callback to ${shown}: ${outcome} (attempt ${attempt})${retrying}`, tx);
    });
  }

  /** Tells `observer` how every callback attempt ended (for metrics); observers must not throw. */
  observeAttempts(observer: (outcome: CallbackAttemptOutcome) => void): void {
    this.attemptObservers.push(observer);
  }

  /** The delivery is over (sent, refused or given up): its row goes, the activity says why. */
  private async conclude(delivery: CallbackDelivery, summary: string): Promise<void> {
    await this.transactions.run(async (tx) => {
      await this.queue.finish(tx, delivery);
      await this.installations.recordActivity(delivery.installationId, 'callback', summary, tx);
    });
  }
}
