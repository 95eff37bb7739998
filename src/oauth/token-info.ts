export interface TokenInfo {
  clientId: string;
  installationId: string;
  accountId: string;
  scope: string[];
}
