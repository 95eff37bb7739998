import { createHmac } from 'node:crypto';

export const CALLBACK_HEADERS = {
  signature: 'X-SmartApp-Signature',
  timestamp: 'X-SmartApp-Timestamp',
  delivery: 'X-SmartApp-Delivery',
  installation: 'X-SmartApp-Installation',
} as const;

/** `v1=` + hex HMAC-SHA256 of `${timestamp}.${body}` keyed with the OAuth client's webhook secret. */
export function signCallback(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex')}`;
}
