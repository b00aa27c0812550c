// A real OpenID Provider (the oidc-provider package) on 127.0.0.1, for
// aws-runas's end-to-end tests of web identity sign-in. NEVER for real use:
// anyone signs in as anyone, with any password (oidc-provider's development
// interactions), and /test/mint signs any token asked for.
//
// It prints one line of JSON on stdout once it listens, {"issuer": URL},
// and exits when its stdin closes, so it never outlives the test that
// started it.
//
// Clients "aws-runas" and "other-app": public (no secret), native (any port
// of a loopback redirect URI), authorization code with PKCE (S256),
// refresh tokens and the device authorization grant.
//
// Environment:
//   PORT                  port to listen on; default any free port
//   OIDC_ID_TOKEN_TTL     ID token lifetime in seconds; default 3600
//   OIDC_DEVICE_TTL       device code lifetime in seconds; default 600
//   OIDC_DEVICE_INTERVAL  polling interval answered for device codes; default 1
//
// GET /test/mint?aud=A&sub=S&exp_in=SECONDS signs an ID token with the
// provider's own key, for web_identity_token_file tests (exp_in may be
// negative: an expired token).

import http from 'node:http';

import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

const num = (name, def) => {
  const v = process.env[name];
  if (v === undefined || v === '') return def;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new Error(`${name}=${v} is not a whole number`);
  return n;
};
const idTokenTTL = num('OIDC_ID_TOKEN_TTL', 3600);
const deviceTTL = num('OIDC_DEVICE_TTL', 600);
const deviceInterval = num('OIDC_DEVICE_INTERVAL', 1);

const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const kid = 'aws-runas-test';
const jwk = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };

const server = http.createServer();
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(num('PORT', 0), '127.0.0.1', resolve);
});
const issuer = `http://127.0.0.1:${server.address().port}`;

const client = (id) => ({
  client_id: id,
  client_name: `aws-runas test client ${id}`,
  application_type: 'native',
  token_endpoint_auth_method: 'none',
  grant_types: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
  response_types: ['code'],
  redirect_uris: ['http://127.0.0.1/', 'http://127.0.0.1/callback', 'http://localhost/callback'],
});

const provider = new Provider(issuer, {
  clients: [client('aws-runas'), client('other-app')],
  jwks: { keys: [jwk] },
  cookies: { keys: ['aws-runas-test-cookies-only'] },
  features: {
    devInteractions: { enabled: true },
    deviceFlow: { enabled: true },
  },
  scopes: ['openid', 'email', 'offline_access'],
  claims: { openid: ['sub'], email: ['email', 'email_verified'] },
  // The email in the ID token itself, as most identity providers do: it
  // names the role session.
  conformIdTokenClaims: false,
  findAccount: (_ctx, id) => ({
    accountId: id,
    claims: () => ({ sub: id, email: `${id}@example.com`, email_verified: true }),
  }),
  // A refresh token with every code, offline_access or not.
  issueRefreshToken: (_ctx, c) => c.grantTypeAllowed('refresh_token'),
  pkce: { required: () => true },
  ttl: {
    IdToken: idTokenTTL,
    AccessToken: 3600,
    DeviceCode: deviceTTL,
    RefreshToken: 86400,
    Grant: 86400,
    Session: 86400,
    Interaction: 3600,
  },
});

// RFC 8628 3.2: the device authorization answer may carry the interval;
// oidc-provider leaves it out (clients then wait 5s), tests want it short.
provider.use(async (ctx, next) => {
  await next();
  if (ctx.method === 'POST' && ctx.path === '/device/auth' && ctx.status === 200 && ctx.body?.device_code) {
    ctx.body = { ...ctx.body, interval: deviceInterval };
  }
});

async function mint(req, res) {
  const q = new URL(req.url, issuer).searchParams;
  const sub = q.get('sub') || 'alice';
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ email: `${sub}@example.com` })
    .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
    .setIssuer(issuer)
    .setSubject(sub)
    .setAudience(q.get('aud') || 'aws-runas')
    .setIssuedAt(now)
    .setExpirationTime(now + Number(q.get('exp_in') || 3600))
    .sign(privateKey);
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end(token);
}

const callback = provider.callback();
server.on('request', (req, res) => {
  if (req.method === 'GET' && req.url.startsWith('/test/mint')) {
    mint(req, res).catch((err) => {
      res.writeHead(500);
      res.end(String(err));
    });
    return;
  }
  callback(req, res);
});

process.stdout.write(`${JSON.stringify({ issuer })}\n`);
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
