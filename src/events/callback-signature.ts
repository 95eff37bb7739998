import { createHmac } from 'node:crypto';
import { webhookKey } from '../common/webhook-secret';

// Standard Webhooks 1.0 (https://www.standardwebhooks.com): what every callback carries, so any
// receiver library for the spec (the `standardwebhooks` npm package, svix, …) verifies it.

export const CALLBACK_HEADERS = {
  /** the delivery id: the same on every retry of one callback, so receivers dedupe by it */
  id: 'webhook-id',
  /** Unix seconds of this attempt */
  timestamp: 'webhook-timestamp',
  /** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, one per valid secret, space-separated */
  signature: 'webhook-signature',
  /** informative only, not signed: receivers take the installation id from the signed body */
  installation: 'X-SmartApp-Installation',
} as const;

/** `v1,<base64>` for each secret, space-separated (several during a secret rotation). */
export function signCallback(secrets: string[], id: string, timestamp: number, body: string): string {
  return secrets.map((secret) => `v1,${createHmac('sha256', webhookKey(secret)).update(`${id}.${timestamp}.${body}`, 'utf8').digest('base64')}`).join(' ');
}

/** The headers of one attempt of a callback. */
export function callbackHeaders(delivery: { id: string; installationId: string; body: string }, secrets: string[], timestamp: number): Record<string, string> {
  return {
    [CALLBACK_HEADERS.id]: delivery.id,
    [CALLBACK_HEADERS.timestamp]: String(timestamp),
    [CALLBACK_HEADERS.signature]: signCallback(secrets, delivery.id, timestamp, delivery.body),
    [CALLBACK_HEADERS.installation]: delivery.installationId,
  };
}
