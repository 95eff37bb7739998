import type { AccountSummary } from '../accounts/accounts.service';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    // passport puts the logged-in account on req.user
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface User extends AccountSummary {}
    interface Request {
      /** set by the access guard on bearer-authenticated routes */
      bearer?: import('../oauth/token-info').TokenInfo;
      /** set by the access guard on developer-API routes */
      developer?: AccountSummary;
      requestId?: string;
    }
  }
}

declare module 'express-session' {
  interface SessionData {
    csrfToken?: string;
    flash?: string;
    /** the pages of a catalog install or a Configure posted so far; one form at a time */
    preferenceDraft?: { key: string; draft: Record<string, string | string[]> };
    /** who asks, for the log-in page in the middle of an authorization (set by /oauth/authorize) */
    loginFor?: { returnTo: string; client: string; app: string; backUrl: string };
  }
}

export {};
