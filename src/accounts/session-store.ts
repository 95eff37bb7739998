import { SessionData, Store } from 'express-session';
import type { Transactions } from '../database/transactions';
import { sha256 } from '../common/secrets';
import { BrowserSession } from './browser-session.entity';

type Callback<T = void> = (err?: unknown, value?: T) => void;

// Browser sessions live in the database so that any number of instances share them.
export class DatabaseSessionStore extends Store {
  constructor(
    private readonly transactions: Transactions,
    private readonly ttlSeconds: number,
  ) {
    super();
  }

  override get(sid: string, callback: Callback<SessionData | null>): void {
    this.transactions
      .read((m) => m.getRepository(BrowserSession).findOne({ where: { idHash: sha256(sid) } }))
      .then((row) => {
        if (!row || row.expiresAt.getTime() <= Date.now()) {
          return callback(undefined, null);
        }
        callback(undefined, JSON.parse(row.data) as SessionData);
      })
      .catch((err: unknown) => callback(err));
  }

  override set(sid: string, session: SessionData, callback?: Callback): void {
    const expiresAt = session.cookie?.expires ? new Date(session.cookie.expires) : new Date(Date.now() + this.ttlSeconds * 1000);
    this.transactions
      .run((tx) => tx.getRepository(BrowserSession).upsert({ idHash: sha256(sid), data: JSON.stringify(session), expiresAt }, ['idHash']))
      .then(() => callback?.())
      .catch((err: unknown) => callback?.(err));
  }

  override destroy(sid: string, callback?: Callback): void {
    this.transactions
      .run((tx) => tx.getRepository(BrowserSession).delete({ idHash: sha256(sid) }))
      .then(() => callback?.())
      .catch((err: unknown) => callback?.(err));
  }

  override touch(sid: string, session: SessionData, callback?: Callback): void {
    this.set(sid, session, callback);
  }
}
