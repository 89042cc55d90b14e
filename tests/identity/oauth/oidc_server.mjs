// A real OpenID provider on loopback for the tests: the npm package oidc-provider with its development
// interactions (any login and password are accepted). Started by tests/identity/oauth/servers.py.
//
// Configuration comes as JSON in OIDC_TEST_CONFIG: {"port": 0, "issuer": "http://127.0.0.1:PORT",
// "clients": [{client_id, client_secret, redirect_uris}]}; OIDC_PROVIDER_MODULE is the path of the installed
// package's lib/index.js (tools/oidc, outside this folder). The login decides the account:
//   "alice@example.com"             -> email alice@example.com, email_verified true
//   "unverified:bob@example.com"    -> email bob@example.com, email_verified false
import http from 'node:http';
import { pathToFileURL } from 'node:url';

const { default: Provider } = await import(pathToFileURL(process.env.OIDC_PROVIDER_MODULE).href);
const config = JSON.parse(process.env.OIDC_TEST_CONFIG);

//   "edov:carol@example.com"        -> also xms_edov true (Microsoft's "domain owner verified" claim)
function claimsFor(login) {
  const [flag, rest] = login.includes(':') ? login.split(/:(.*)/s) : ['', login];
  const email = rest;
  const local = email.split('@')[0] || 'someone';
  return {
    sub: login, email, email_verified: flag !== 'unverified', name: local.charAt(0).toUpperCase() + local.slice(1),
    ...(flag === 'edov' ? { xms_edov: true } : {}),
  };
}

const provider = new Provider(config.issuer, {
  clients: config.clients.map((c) => ({
    ...c, grant_types: ['authorization_code'], response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  })),
  claims: { openid: ['sub'], email: ['email', 'email_verified', 'xms_edov'], profile: ['name'] },
  conformIdTokenClaims: false, // email in the ID token itself, as Google and Microsoft send it
  findAccount: async (ctx, id) => ({ accountId: id, claims: async () => claimsFor(id) }),
  cookies: { keys: ['resonance-tests-only-cookie-key'] },
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
});
provider.proxy = true;

const server = http.createServer(provider.callback());
server.listen(config.port, '127.0.0.1', () => {
  process.stdout.write(`READY ${server.address().port}\n`);
});
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
