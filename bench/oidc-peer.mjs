// The peer: node-oidc-provider (devDependency) with its default in-memory adapter, introspection
// on, a confidential client, and an opaque access token from the client_credentials grant.
// Started by bench/run.ts; prints nothing, answers over IPC: { type: 'ready', port, token }.
import Provider from 'oidc-provider';
import { createServer } from 'node:http';

const client = { client_id: 'bench-client', client_secret: 'bench-client-secret', grant_types: ['client_credentials'], response_types: [], redirect_uris: [] };
const provider = new Provider('http://127.0.0.1', {
  clients: [client],
  cookies: { keys: ['bench-cookie-key'] },
  features: { introspection: { enabled: true, allowedPolicy: () => true }, clientCredentials: { enabled: true }, devInteractions: { enabled: false } },
  scopes: ['api'],
  ttl: { ClientCredentials: 3600 },
});
provider.proxy = false;
const server = createServer(provider.callback());
server.listen(0, '127.0.0.1', async () => {
  const { port } = server.address();
  const basic = Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64');
  const res = await fetch(`http://127.0.0.1:${port}/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials&scope=api',
  });
  const body = await res.json();
  if (!body.access_token) {
    console.error('oidc-provider gave no token', body);
    process.exit(1);
  }
  process.send?.({ type: 'ready', port, token: body.access_token, basic });
});
process.on('message', () => server.close(() => process.exit(0)));
