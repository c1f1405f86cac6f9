// Verify Gatehouse's identity JWT (the X-Gatehouse-Jwt-Assertion header) in Go, with the
// standard library only.
//
//	go run main.go -jwks https://dash.example.com/sso/jwks.json \
//	    -issuer https://dash.example.com -audience https://dash.example.com TOKEN
//
// TOKEN may instead come from the environment variable GATEHOUSE_JWT. Prints the claims as JSON
// and exits 0, or prints why the token was refused and exits 1. -at UNIXTIME checks the times as
// if it were then (to see an expired token refused).
//
// In an app, keep one JWKSCache for the life of the process: it keeps the keys and fetches them
// again only when a token names a key id it does not know (Gatehouse rotated its key).
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/big"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

const leeway = 5 * time.Second // clock difference tolerated between Gatehouse and this host

var roles = map[string]bool{
	"ADMINISTRATOR": true, "MANAGER": true, "DEVELOPER": true, "DESIGNER": true, "SUPPORT_SPECIALIST": true, "ANALYST": true,
}

// JWKSCache holds Gatehouse's public keys by kid.
type JWKSCache struct {
	URL    string
	Client *http.Client
	mu     sync.Mutex
	keys   map[string]*ecdsa.PublicKey
}

func (c *JWKSCache) key(kid string) (*ecdsa.PublicKey, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if key, ok := c.keys[kid]; ok {
		return key, nil
	}
	// Unknown kid: the keys may have been rotated since they were fetched; fetch them once more.
	// (A production cache would also rate-limit this, so junk kids cannot make it poll Gatehouse.)
	if err := c.fetch(); err != nil {
		return nil, err
	}
	if key, ok := c.keys[kid]; ok {
		return key, nil
	}
	return nil, fmt.Errorf("no key for kid %q", kid)
}

func (c *JWKSCache) fetch() error {
	response, err := c.Client.Get(c.URL)
	if err != nil {
		return fmt.Errorf("fetching the JWKS: %v", err)
	}
	defer response.Body.Close()
	if response.StatusCode != http.StatusOK {
		return fmt.Errorf("fetching the JWKS: HTTP %d", response.StatusCode)
	}
	var set struct {
		Keys []struct {
			Kty, Crv, Alg, Kid, X, Y string
		} `json:"keys"`
	}
	if err := json.NewDecoder(response.Body).Decode(&set); err != nil {
		return fmt.Errorf("reading the JWKS: %v", err)
	}
	keys := map[string]*ecdsa.PublicKey{}
	for _, jwk := range set.Keys {
		if jwk.Kty != "EC" || jwk.Crv != "P-256" || jwk.Kid == "" {
			continue
		}
		x, errX := base64.RawURLEncoding.DecodeString(jwk.X)
		y, errY := base64.RawURLEncoding.DecodeString(jwk.Y)
		if errX != nil || errY != nil {
			continue
		}
		key := &ecdsa.PublicKey{Curve: elliptic.P256(), X: new(big.Int).SetBytes(x), Y: new(big.Int).SetBytes(y)}
		if !key.Curve.IsOnCurve(key.X, key.Y) {
			continue
		}
		keys[jwk.Kid] = key
	}
	c.keys = keys
	return nil
}

// Verify returns the verified claims of token, or an error saying why it was refused.
func Verify(token string, keys *JWKSCache, issuer, audience string, now time.Time) (map[string]interface{}, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, errors.New("not a JWT (want three dot-separated parts)")
	}
	headerJSON, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return nil, errors.New("header is not base64url")
	}
	var header struct{ Alg, Kid string }
	if err := json.Unmarshal(headerJSON, &header); err != nil {
		return nil, errors.New("header is not JSON")
	}
	// Only ES256: never let the token choose its algorithm (alg=none, HS256 with the public key).
	if header.Alg != "ES256" {
		return nil, fmt.Errorf("alg is %q, not ES256", header.Alg)
	}
	if header.Kid == "" {
		return nil, errors.New("no kid in the header")
	}
	key, err := keys.key(header.Kid)
	if err != nil {
		return nil, err
	}
	// ES256 signatures are r||s, 32 bytes each (not ASN.1).
	signature, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(signature) != 64 {
		return nil, errors.New("signature is not 64 bytes of base64url")
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	r, s := new(big.Int).SetBytes(signature[:32]), new(big.Int).SetBytes(signature[32:])
	if !ecdsa.Verify(key, digest[:], r, s) {
		return nil, errors.New("bad signature")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, errors.New("payload is not base64url")
	}
	var claims map[string]interface{}
	if err := json.Unmarshal(payload, &claims); err != nil {
		return nil, errors.New("payload is not a JSON object")
	}
	// iat and exp are NumericDates: seconds, possibly with a fraction.
	exp, okExp := claims["exp"].(float64)
	iat, okIat := claims["iat"].(float64)
	if !okExp || !okIat {
		return nil, errors.New("exp or iat missing or not a number")
	}
	unix := float64(now.UnixNano()) / 1e9
	if unix > exp+leeway.Seconds() {
		return nil, fmt.Errorf("expired at %.0f (now %.0f)", exp, unix)
	}
	if iat > unix+leeway.Seconds() {
		return nil, fmt.Errorf("issued in the future (%.0f, now %.0f)", iat, unix)
	}
	if iss, _ := claims["iss"].(string); iss != issuer {
		return nil, fmt.Errorf("iss is %q, want %q", iss, issuer)
	}
	if !hasAudience(claims["aud"], audience) {
		return nil, fmt.Errorf("aud %v does not include %q", claims["aud"], audience)
	}
	for _, name := range []string{"sub", "email", "role", "tenant"} {
		if value, _ := claims[name].(string); value == "" {
			return nil, fmt.Errorf("claim %s missing or empty", name)
		}
	}
	if !roles[claims["role"].(string)] {
		return nil, fmt.Errorf("unknown role %q", claims["role"])
	}
	return claims, nil
}

// aud is a string, or (RFC 7519) a list of strings.
func hasAudience(aud interface{}, want string) bool {
	switch value := aud.(type) {
	case string:
		return value == want
	case []interface{}:
		for _, item := range value {
			if item == want {
				return true
			}
		}
	}
	return false
}

func main() {
	jwks := flag.String("jwks", "", "Gatehouse's /sso/jwks.json URL")
	issuer := flag.String("issuer", "", "expected iss (public_url unless jwt.issuer)")
	audience := flag.String("audience", "", "expected aud (public_url unless jwt.audience)")
	at := flag.Float64("at", 0, "check the times as of this UNIX time")
	flag.Parse()
	token := flag.Arg(0)
	if token == "" {
		token = os.Getenv("GATEHOUSE_JWT")
	}
	if token == "" || *jwks == "" || *issuer == "" || *audience == "" {
		fmt.Fprintln(os.Stderr, "refused: usage: main.go -jwks URL -issuer ISS -audience AUD [-at UNIXTIME] [TOKEN | $GATEHOUSE_JWT]")
		os.Exit(1)
	}
	now := time.Now()
	if *at != 0 {
		now = time.Unix(0, int64(*at*1e9))
	}
	keys := &JWKSCache{URL: *jwks, Client: &http.Client{Timeout: 5 * time.Second}}
	claims, err := Verify(token, keys, *issuer, *audience, now)
	if err != nil {
		fmt.Fprintln(os.Stderr, "refused:", err)
		os.Exit(1)
	}
	out, _ := json.Marshal(claims)
	fmt.Println(string(out))
}
