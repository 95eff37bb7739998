import { BearerToken, Endpoint, endpointsOf, InstallationClient, PendingAuthorization, SmartAppClient, TokenSet, tokenSetOf } from '../../clients/typescript/src';
import { DemoClientSettings, redirectUriOf } from './demo-client.settings';

// Every call the demo service makes to the platform, through the TypeScript SDK
// (clients/typescript): the OAuth token endpoint, the endpoints service and the installation URL
// (CONTRACT §1–§3). The demo keeps a fixed bearer token per call (BearerToken) instead of the SDK's
// self-refreshing PlatformSession, because refreshing is one of the buttons it shows.

export { PlatformError } from '../../clients/typescript/src';
export type { Endpoint, PendingAuthorization, TokenSet } from '../../clients/typescript/src';

export interface SwitchReading {
  id: string;
  name: string;
  value: string;
}

export class PlatformApi {
  private readonly client: SmartAppClient;

  constructor(private readonly settings: DemoClientSettings) {
    this.client = new SmartAppClient({ platformUrl: settings.platformUrl, clientId: settings.clientId, clientSecret: settings.clientSecret, redirectUri: redirectUriOf(settings) });
  }

  /** Where to send the browser (PKCE S256 + state), and what to keep until the callback. */
  authorizationRequest(): { url: string; pending: PendingAuthorization } {
    return this.client.authorizationRequest();
  }

  /** Checks the state and exchanges the callback's code. */
  handleCallback(query: URLSearchParams, pending: PendingAuthorization): Promise<TokenSet> {
    return this.client.handleCallback(query, pending);
  }

  async refresh(previous: TokenSet): Promise<TokenSet> {
    if (!previous.refreshToken) {
      throw new Error('there is no refresh token');
    }
    return tokenSetOf(await this.client.refresh(previous.refreshToken), previous);
  }

  endpoints(accessToken: string): Promise<Endpoint[]> {
    return endpointsOf(new BearerToken(accessToken), `${this.client.platformUrl}/api`);
  }

  listSwitches(uri: string, accessToken: string): Promise<SwitchReading[]> {
    return this.installation(uri, accessToken).get<SwitchReading[]>('/switches');
  }

  switchOne(uri: string, accessToken: string, switchId: string, command: 'on' | 'off'): Promise<SwitchReading> {
    return this.installation(uri, accessToken).put<SwitchReading>(`/switches/${encodeURIComponent(switchId)}/${command}`);
  }

  /** Tells Device Bridge where to push switch changes (its PUT /callback mapping). */
  async setCallback(uri: string, accessToken: string, url: string): Promise<void> {
    await this.installation(uri, accessToken).put('/callback', { url });
  }

  /** DELETE on the installation URL uninstalls it; every token of it stops working. */
  uninstall(uri: string, accessToken: string): Promise<void> {
    return this.installation(uri, accessToken).uninstall();
  }

  private installation(uri: string, accessToken: string): InstallationClient {
    return new InstallationClient(uri, new BearerToken(accessToken));
  }
}
