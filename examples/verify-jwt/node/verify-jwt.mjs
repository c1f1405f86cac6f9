// Verify Gatehouse's identity JWT (the X-Gatehouse-Jwt-Assertion header) in Node.js 20+, with the
// built-in crypto only (no npm packages).
//
//   node verify-jwt.mjs --jwks https://dash.example.com/sso/jwks.json \
//       --issuer https://dash.example.com --audience https://dash.example.com TOKEN
//
// TOKEN may instead come from the environment variable GATEHOUSE_JWT. Prints the claims as JSON
// and exits 0, or prints why the token was refused and exits 1. --at UNIXTIME checks the times as
// if it were then (to see an expired token refused).
//
// In an app, keep one JwksCache for the life of the process: it keeps the keys and fetches them
// again only when a token names a key id it does not know (Gatehouse rotated its key).
import crypto from 'node:crypto';
import { parseArgs } from 'node:util';

const LEEWAY_SECONDS = 5; // clock difference tolerated between Gatehouse and this host
const ROLES = new Set(['ADMINISTRATOR', 'MANAGER', 'DEVELOPER', 'DESIGNER', 'SUPPORT_SPECIALIST', 'ANALYST']);

class Refused extends Error {}

export class JwksCache {
  constructor(url) {
    this.url = url;
    this.keys = new Map();
  }

  async key(kid) {
    if (!this.keys.has(kid)) {
      // Unknown kid: the keys may have been rotated since they were fetched; fetch once more.
      // (A production cache would also rate-limit this, so junk kids cannot make it poll Gatehouse.)
      await this.fetch();
    }
    const key = this.keys.get(kid);
    if (!key) throw new Refused(`no key for kid ${JSON.stringify(kid)}`);
    return key;
  }

  async fetch() {
    let response;
    try {
      response = await fetch(this.url, { signal: AbortSignal.timeout(5000) });
    } catch (error) {
      throw new Refused(`fetching the JWKS: ${error.message}`);
    }
    if (!response.ok) throw new Refused(`fetching the JWKS: HTTP ${response.status}`);
    const set = await response.json();
    const keys = new Map();
    for (const jwk of set.keys ?? []) {
      if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.kid) continue;
      try {
        keys.set(jwk.kid, crypto.createPublicKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, format: 'jwk' }));
      } catch {
        // not a usable P-256 point: skip it, as an unknown kid
      }
    }
    this.keys = keys;
  }
}

function decodeJSON(part, what) {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new Refused(`${what} is not base64url JSON`);
  }
}

// The verified claims of token, or a Refused error with the reason.
export async function verify(token, jwks, issuer, audience, now = Date.now() / 1000) {
  const parts = token.split('.');
  if (parts.length !== 3) throw new Refused('not a JWT (want three dot-separated parts)');
  const header = decodeJSON(parts[0], 'header');
  // Only ES256: never let the token choose its algorithm (alg=none, HS256 with the public key).
  if (header.alg !== 'ES256') throw new Refused(`alg is ${JSON.stringify(header.alg)}, not ES256`);
  if (!header.kid) throw new Refused('no kid in the header');
  const key = await jwks.key(header.kid);
  // ES256 signatures are r||s, 32 bytes each: 'ieee-p1363', not Node's default DER.
  const signature = Buffer.from(parts[2], 'base64url');
  const signed = Buffer.from(`${parts[0]}.${parts[1]}`);
  if (signature.length !== 64 || !crypto.verify('sha256', signed, { key, dsaEncoding: 'ieee-p1363' }, signature)) {
    throw new Refused('bad signature');
  }
  const claims = decodeJSON(parts[1], 'payload');
  // iat and exp are NumericDates: seconds, possibly with a fraction.
  if (typeof claims.exp !== 'number' || typeof claims.iat !== 'number') throw new Refused('exp or iat missing or not a number');
  if (now > claims.exp + LEEWAY_SECONDS) throw new Refused(`expired at ${claims.exp} (now ${Math.round(now)})`);
  if (claims.iat > now + LEEWAY_SECONDS) throw new Refused(`issued in the future (${claims.iat}, now ${Math.round(now)})`);
  if (claims.iss !== issuer) throw new Refused(`iss is ${JSON.stringify(claims.iss)}, want ${JSON.stringify(issuer)}`);
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audiences.includes(audience)) throw new Refused(`aud ${JSON.stringify(claims.aud)} does not include ${JSON.stringify(audience)}`);
  for (const name of ['sub', 'email', 'role', 'tenant']) {
    if (typeof claims[name] !== 'string' || claims[name] === '') throw new Refused(`claim ${name} missing or empty`);
  }
  if (!ROLES.has(claims.role)) throw new Refused(`unknown role ${JSON.stringify(claims.role)}`);
  return claims;
}

async function main() {
  const { values, positionals } = parseArgs({
    options: { jwks: { type: 'string' }, issuer: { type: 'string' }, audience: { type: 'string' }, at: { type: 'string' } },
    allowPositionals: true,
  });
  const token = positionals[0] ?? process.env.GATEHOUSE_JWT;
  if (!token || !values.jwks || !values.issuer || !values.audience) {
    console.error('refused: usage: node verify-jwt.mjs --jwks URL --issuer ISS --audience AUD [--at UNIXTIME] [TOKEN | $GATEHOUSE_JWT]');
    return 1;
  }
  const now = values.at === undefined ? Date.now() / 1000 : Number(values.at);
  try {
    const claims = await verify(token, new JwksCache(values.jwks), values.issuer, values.audience, now);
    console.log(JSON.stringify(claims));
    return 0;
  } catch (error) {
    if (!(error instanceof Refused)) throw error;
    console.error(`refused: ${error.message}`);
    return 1;
  }
}

process.exitCode = await main();
