#!/usr/bin/env bash
# ACS validation throughput on one core, next to OpenSSL's RSA-2048 verify rate measured in the
# same run (the cryptographic floor of every validation), and their ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/release}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-5}
rsa=$(taskset -c 0 openssl speed -seconds "$SECONDS_PER_RUN" rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ {print $7}')
out=$(taskset -c 0 "$BIN/saml-benchmark" Tests/GatehouseSAMLTests/Fixtures "$SECONDS_PER_RUN")
echo "$out"
validations=$(echo "$out" | awk '/validations_per_second/ {print $2}')
echo "openssl_rsa2048_verify_per_second $rsa"
awk -v v="$validations" -v r="$rsa" 'BEGIN { printf "ratio validations/rsa_verify: %.1f%% (target >= 25%%)\n", 100 * v / r }'
