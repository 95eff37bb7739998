import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { RateTally } from './rate-tally.service';

export interface RateLimitVerdict {
  allowed: boolean;
  /** X-RateLimit-Limit, X-RateLimit-Current, X-RateLimit-TTL (seconds until the window resets) */
  headers: Record<string, string>;
}

// CONTRACT §3: calls per installation on its install URL, counted once the bearer token is known to
// belong to the installation (an anonymous caller cannot use up somebody else's allowance).
// Counted in memory, shared with the other instances about once a second (RateTally): no statement per call.
@Injectable()
export class InstallRateLimit {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly counters: RateTally,
  ) {}

  // a promise still: the callers' signature from when this was a database round trip
  hit(installationId: string): Promise<RateLimitVerdict> {
    const { calls, windowSeconds } = this.config.rateLimit;
    const hit = this.counters.hit(`install-api:${installationId}`, windowSeconds);
    return Promise.resolve({
      allowed: hit.hits <= calls,
      headers: {
        'X-RateLimit-Limit': String(calls),
        'X-RateLimit-Current': String(hit.hits),
        'X-RateLimit-TTL': String(hit.resetsInSeconds),
      },
    });
  }
}
