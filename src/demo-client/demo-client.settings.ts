// What the demo service knows about the platform, as any external client would: the platform's
// address and the OAuth client credentials it was given when it registered (the demo seed's),
// including the webhook secret that signs the platform's callbacks.
export interface DemoClientSettings {
  /** the platform's origin, e.g. http://localhost:3000 */
  platformUrl: string;
  /** this service's own origin, e.g. http://localhost:3001; the platform pushes events to `${publicUrl}/events` */
  publicUrl: string;
  clientId: string;
  clientSecret: string;
  /** the client's webhook secret (`whsec_…`, Standard Webhooks): every callback from the platform is signed with it */
  webhookSecret: string;
}

export function demoClientSettings(platformUrl: string, port: number): DemoClientSettings {
  return {
    platformUrl: platformUrl.replace(/\/$/, ''),
    publicUrl: `http://localhost:${port}`,
    clientId: 'device-bridge',
    clientSecret: 'device-bridge-secret',
    webhookSecret: 'whsec_ZGV2aWNlLWJyaWRnZS13ZWJob29rLXNlY3JldA==',
  };
}

export function redirectUriOf(settings: DemoClientSettings): string {
  return `${settings.publicUrl}/callback`;
}

/** Where the platform pushes events (PUT {installation uri}/callback tells Device Bridge). */
export function eventsUrlOf(settings: DemoClientSettings): string {
  return `${settings.publicUrl}/events`;
}
