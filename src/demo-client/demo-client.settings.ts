// What the demo service knows about the platform, as any external client would: the platform's
// address and the OAuth client credentials it was given when it registered (the demo seed's).
export interface DemoClientSettings {
  /** the platform's origin, e.g. http://localhost:3000 */
  platformUrl: string;
  /** this service's own origin, e.g. http://localhost:3001 */
  publicUrl: string;
  clientId: string;
  clientSecret: string;
}

export function demoClientSettings(platformUrl: string, port: number): DemoClientSettings {
  return {
    platformUrl: platformUrl.replace(/\/$/, ''),
    publicUrl: `http://localhost:${port}`,
    clientId: 'device-bridge',
    clientSecret: 'device-bridge-secret',
  };
}

export function redirectUriOf(settings: DemoClientSettings): string {
  return `${settings.publicUrl}/callback`;
}
