import { SetMetadata } from '@nestjs/common';

export type AccessPolicy = 'public' | 'session' | 'bearer' | 'developer' | 'admin';
export const ACCESS_POLICY = 'access-policy';

/** Anyone may call it. */
export const Public = () => SetMetadata(ACCESS_POLICY, 'public');
/** An OAuth access token in the Authorization header (or ?access_token= for classic clients where allowed). */
export const BearerAuth = () => SetMetadata(ACCESS_POLICY, 'bearer');
/** A developer API token. */
export const DeveloperAuth = () => SetMetadata(ACCESS_POLICY, 'developer');
/** A logged-in admin in the browser or an admin's developer token. */
export const AdminAuth = () => SetMetadata(ACCESS_POLICY, 'admin');
// Routes with no decorator need a logged-in browser session: deny by default.
