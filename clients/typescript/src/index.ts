// @smartapp-platform/client: the platform's HTTP contract for external services and SMART apps.
export { BearerToken, endpointsOf, InstallationClient } from './api';
export type { Authorized, CallOptions, Endpoint } from './api';
export { CallbackError, errorFrom, InstallationError, OAuthError, PlatformError, RateLimitError, retryAfterSeconds } from './errors';
export { DEFAULT_TIMEOUT_MS } from './http';
export { SmartAppClient, tokenSetOf } from './oauth2';
export type { ClientOptions, PendingAuthorization, TokenReply, TokenSet } from './oauth2';
export { authorizationHeader, baseStringUri, hmacSha1Signature, newNonce, normalizeParameters, percentEncode, signatureBaseString, signRequest } from './oauth1';
export type { OAuth1Credentials, OAuth1Options, OAuth1Request, Param, SignedRequest } from './oauth1';
export { newPkcePair, newState, s256 } from './pkce';
export { PlatformSession } from './session';
export type { SessionOptions } from './session';
export { parseLaunch, SignedSession, SmartClient } from './smart';
export type { AccessToken, Launch, Manifest, RequestToken, SmartClientOptions } from './smart';
export { webhookKey, WebhookVerificationError, WebhookVerifier } from './webhooks';
export type { VerifiedWebhook, WebhookHeaders } from './webhooks';
