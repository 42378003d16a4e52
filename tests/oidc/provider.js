// A real OpenID Connect provider for the tests, shaped like Pro Santé Connect (PSC).
//
// oidc-provider (pinned in package-lock.json, installed by `npm ci --prefix tests/oidc`) serves the
// authorization code flow with PKCE, the `scope_all` scope and PSC's claims (SubjectNameID,
// SubjectRefPro, acr, authMode…). Everything comes from the environment, set by the pytest fixture:
//   OIDC_PORT            port on 127.0.0.1
//   OIDC_CLIENTS         JSON list of {client_id, client_secret, redirect_uris, post_logout_redirect_uris,
//                        token_endpoint_auth_method (default client_secret_basic)}
//   OIDC_CLIENT_AUTH_METHODS  optional JSON list: the only token endpoint authentication methods offered
//                        (token_endpoint_auth_methods_supported); default oidc-provider's
//   OIDC_ACCOUNTS        JSON object: login -> {acr, authMode, claims: {...}} (claims as PSC's UserInfo)
// The login page is a plain form: « Identifiant » (the account's login), « Se connecter ».
// Served over http on the loopback only: never use this outside the tests.

import crypto from 'node:crypto';
import http from 'node:http';
import querystring from 'node:querystring';

import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT || 0);
const issuer = `http://127.0.0.1:${port}`;
const clients = JSON.parse(process.env.OIDC_CLIENTS || '[]');
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS || '{}');

const PSC_CLAIMS = [
  'SubjectNameID', 'preferred_username', 'given_name', 'family_name', 'SubjectRefPro', 'SubjectRole',
  'SubjectOrganization', 'otherIds', 'authMode',
];

const signingKey = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });

function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (c) => ({
    '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
  }[c]));
}

const page = (title, body) => `<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">
<title>${escapeHtml(title)}</title></head><body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;

const configuration = {
  clients: clients.map((c) => ({
    client_id: c.client_id,
    client_secret: c.client_secret,
    redirect_uris: c.redirect_uris,
    post_logout_redirect_uris: c.post_logout_redirect_uris || [],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: c.token_endpoint_auth_method || 'client_secret_basic',
  })),
  ...(process.env.OIDC_CLIENT_AUTH_METHODS ? { clientAuthMethods: JSON.parse(process.env.OIDC_CLIENT_AUTH_METHODS) } : {}),
  jwks: { keys: [{ ...signingKey, kid: 'test-psc-1', use: 'sig', alg: 'RS256' }] },
  scopes: ['openid', 'scope_all'],
  claims: { openid: ['sub'], scope_all: PSC_CLAIMS },
  // PSC puts its claims (authMode among them) in the ID token too.
  conformIdTokenClaims: false,
  acrValues: ['eidas1', 'eidas2', 'eidas3', 'faible'],
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      // No confirmation question: the provider ends its session and goes back to the client.
      async logoutSource(ctx, form) {
        ctx.body = page('Déconnexion', `${form}<button type="submit" form="op.logoutForm" name="logout" value="yes">
Se déconnecter</button><script>document.forms['op.logoutForm'].requestSubmit
? document.forms['op.logoutForm'].requestSubmit(document.querySelector('button[name=logout]'))
: document.forms['op.logoutForm'].submit();</script>`);
      },
    },
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  // Every known account consents to every client: no consent screen.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid scope_all');
    grant.addOIDCClaims(PSC_CLAIMS);
    await grant.save();
    return grant;
  },
  async findAccount(ctx, id) {
    const account = accounts[id];
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, authMode: account.authMode || 'CARD', ...account.claims };
      },
    };
  },
  cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
  ttl: { Session: 3600, Interaction: 600, Grant: 3600, AccessToken: 600, AuthorizationCode: 60, IdToken: 600 },
  renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = page('Erreur du fournisseur', `<p>${escapeHtml(out.error)} : ${escapeHtml(out.error_description || '')}</p>`);
  },
};

const provider = new Provider(issuer, configuration);

// Strict like PSC and pyop: a client authenticates at the token endpoint with its registered method only
// (oidc-provider takes basic and post as one). Checked once the request is authenticated, since the
// client is known from the body for post; the answer is then replaced by the provider's refusal.
provider.use(async (ctx, next) => {
  await next();
  if (ctx.method !== 'POST' || ctx.path !== '/token' || !ctx.oidc?.client) return;
  const used = ctx.headers.authorization ? 'client_secret_basic' : 'client_secret_post';
  if (used === ctx.oidc.client.clientAuthMethod) return;
  ctx.status = 401;
  ctx.type = 'json';
  ctx.body = { error: 'invalid_client', error_description: `client registered for ${ctx.oidc.client.clientAuthMethod}` };
});
const callback = provider.callback();

function readBody(req) {
  return new Promise((resolve, reject) => {
    let data = '';
    req.on('data', (chunk) => { data += chunk; });
    req.on('end', () => resolve(querystring.parse(data)));
    req.on('error', reject);
  });
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error('interaction inconnue');
  if (req.method === 'POST' && action === 'login') {
    const { login } = await readBody(req);
    const account = accounts[login];
    if (!account) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page('Connexion refusée', '<p>Identifiant inconnu du fournisseur.</p>'));
      return;
    }
    await provider.interactionFinished(req, res, {
      login: { accountId: login, acr: account.acr || 'eidas1', amr: ['pwd'] },
    }, { mergeWithLastSubmission: false });
    return;
  }
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(page('Pro Santé Connect (test)', `<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<label for="login">Identifiant</label> <input id="login" name="login" autocomplete="off">
<button type="submit">Se connecter</button></form>`));
}

const server = http.createServer(async (req, res) => {
  const match = req.url.match(/^\/interaction\/([^/?]+)(?:\/(login))?/);
  if (!match) {
    callback(req, res);
    return;
  }
  try {
    await interaction(req, res, match[1], match[2]);
  } catch (error) {
    res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`erreur : ${error.message}`);
  }
});

server.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider prêt sur ${issuer}`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
