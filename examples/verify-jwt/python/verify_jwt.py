"""Verify Gatehouse's identity JWT (the X-Gatehouse-Jwt-Assertion header) in Python.

    pip install 'PyJWT[crypto]'      # PyJWT and cryptography
    python verify_jwt.py --jwks https://dash.example.com/sso/jwks.json \
        --issuer https://dash.example.com --audience https://dash.example.com TOKEN

TOKEN may instead come from the environment variable GATEHOUSE_JWT. Prints the claims as JSON and
exits 0, or prints why the token was refused and exits 1. `--at UNIXTIME` checks the times as if
it were then (to see an expired token refused).

In an app, keep one PyJWKClient for the life of the process: it caches the keys and fetches them
again only when a token names a key id it does not know (Gatehouse rotated its key).
"""
import argparse
import json
import os
import sys
import time

import jwt  # PyJWT

ROLES = {"ADMINISTRATOR", "MANAGER", "DEVELOPER", "DESIGNER", "SUPPORT_SPECIALIST", "ANALYST"}
LEEWAY_SECONDS = 5  # clock difference tolerated between Gatehouse and this host


class Refused(Exception):
    pass


def verify(token, jwks_client, issuer, audience, now=None):
    """The verified claims of `token`, or Refused with the reason."""
    now = time.time() if now is None else now
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as error:
        raise Refused(f"not a JWT: {error}")
    # Only ES256: never let the token choose its algorithm (alg=none, HS256 with the public key).
    if header.get("alg") != "ES256":
        raise Refused(f"alg is {header.get('alg')!r}, not ES256")
    if not header.get("kid"):
        raise Refused("no kid in the header")
    try:
        # Looks the kid up in the cached JWKS; an unknown kid fetches the JWKS once more.
        key = jwks_client.get_signing_key(header["kid"])
    except jwt.PyJWKClientError as error:
        raise Refused(f"no key for kid {header['kid']!r}: {error}")
    try:
        # PyJWT checks the signature, iss and aud here; the times are checked below against `now`
        # (PyJWT always uses the real clock).
        claims = jwt.decode(
            token, key.key, algorithms=["ES256"], issuer=issuer, audience=audience,
            options={"verify_exp": False, "verify_iat": False,
                     "require": ["iss", "aud", "sub", "iat", "exp"]})
    except jwt.PyJWTError as error:
        raise Refused(f"{type(error).__name__}: {error}")
    if not isinstance(claims["exp"], (int, float)) or now > claims["exp"] + LEEWAY_SECONDS:
        raise Refused(f"expired at {claims['exp']} (now {now:.0f})")
    if not isinstance(claims["iat"], (int, float)) or claims["iat"] > now + LEEWAY_SECONDS:
        raise Refused(f"issued in the future ({claims['iat']}, now {now:.0f})")
    for name in ("sub", "email", "role", "tenant"):
        if not isinstance(claims.get(name), str) or not claims[name]:
            raise Refused(f"claim {name} missing or empty")
    if claims["role"] not in ROLES:
        raise Refused(f"unknown role {claims['role']!r}")
    return claims


def main():
    parser = argparse.ArgumentParser(description="Verify a Gatehouse identity JWT.")
    parser.add_argument("token", nargs="?", default=os.environ.get("GATEHOUSE_JWT"))
    parser.add_argument("--jwks", required=True, help="Gatehouse's /sso/jwks.json URL")
    parser.add_argument("--issuer", required=True, help="expected iss (public_url unless jwt.issuer)")
    parser.add_argument("--audience", required=True, help="expected aud (public_url unless jwt.audience)")
    parser.add_argument("--at", type=float, help="check the times as of this UNIX time")
    args = parser.parse_args()
    if not args.token:
        print("refused: no token (argument or GATEHOUSE_JWT)", file=sys.stderr)
        return 1
    jwks_client = jwt.PyJWKClient(args.jwks, cache_keys=True, lifespan=300)
    try:
        claims = verify(args.token, jwks_client, args.issuer, args.audience, now=args.at)
    except Refused as reason:
        print(f"refused: {reason}", file=sys.stderr)
        return 1
    print(json.dumps(claims, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
