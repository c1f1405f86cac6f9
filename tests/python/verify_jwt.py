"""Verifies Gatehouse's identity JWT with PyJWT (an independent implementation) against the JWKS
Gatehouse publishes. Arguments: TOKEN AUDIENCE ISSUER; the JWKS JSON on stdin. Prints the claims
as JSON and exits 0, or prints the refusal and exits 1."""
import json
import sys

import jwt


def main():
    token, audience, issuer = sys.argv[1:4]
    keys = jwt.PyJWKSet.from_json(sys.stdin.read())
    kid = jwt.get_unverified_header(token).get("kid")
    try:
        key = keys[kid]
        claims = jwt.decode(token, key=key, algorithms=["ES256"], audience=audience, issuer=issuer,
                            options={"require": ["exp", "iat", "sub", "iss", "aud"]})
    except Exception as error:  # any refusal is a failure
        print(f"refused: {error!r}")
        return 1
    print(json.dumps(claims))
    return 0


if __name__ == "__main__":
    sys.exit(main())
