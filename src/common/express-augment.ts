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
  }
}

export {};
