// oauth4webapi 3 (ESM only) driving the platform as a strict OAuth 2 client: RFC 8414 discovery,
// authorization code + PKCE (state and RFC 9207 iss checked by the library), refresh, revocation.
// Protocol with the test: argv[2] is the issuer; this prints {"authorize": url} on one line, reads
// the callback URL the browser landed on from stdin, and prints {"result": {...}} or {"error": "..."}.
import * as oauth from 'oauth4webapi';
import { createInterface } from 'node:readline';

const [issuerUrl, clientId, clientSecret, redirectUri] = process.argv.slice(2);
const insecure = { [oauth.allowInsecureRequests]: true };
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const warnings = [];
process.on('warning', (w) => warnings.push(String(w)));

try {
  const issuer = new URL(issuerUrl);
  const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }));
  const client = { client_id: clientId };
  const auth = oauth.ClientSecretBasic(clientSecret);
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const url = new URL(as.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    scope: 'app',
    state,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  }).toString();
  console.log(JSON.stringify({ authorize: url.href }));
  const callback = new URL((await lines.next()).value);
  const params = oauth.validateAuthResponse(as, client, callback, state);
  const tokens = await oauth.processAuthorizationCodeResponse(
    as,
    client,
    await oauth.authorizationCodeGrantRequest(as, client, auth, params, redirectUri, verifier, insecure),
  );
  const refreshed = await oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, auth, tokens.refresh_token, insecure));
  await oauth.processRevocationResponse(await oauth.revocationRequest(as, client, auth, refreshed.refresh_token, insecure));
  const after = await fetch(new URL('/api/smartapps/endpoints', issuer), { headers: { Authorization: `Bearer ${refreshed.access_token}` } });
  console.log(JSON.stringify({ result: { scope: tokens.scope, refreshedScope: refreshed.scope, rotated: refreshed.refresh_token !== tokens.refresh_token, afterRevocation: after.status, warnings } }));
} catch (err) {
  console.log(JSON.stringify({ error: `${err?.name}: ${err?.message} ${err?.code ?? ''} ${JSON.stringify(err?.cause ?? null)}` }));
}
process.exit(0);
