#!/usr/bin/env bash
# Test certificates, made at test time: make_certs.sh DIR
#   ca.pem / ca2.pem               two unrelated CAs
#   server.{pem,key}               CA 1; SAN localhost, 127.0.0.1 (server and client use)
#   gateway.{pem,key}              CA 1; SAN DNS:llmsrouter-gateway (the trusted peer)
#   client.{pem,key}               CA 1; SAN DNS:direct-client (a valid but untrusted client)
#   impostor.{pem,key}             CA 2; SAN DNS:llmsrouter-gateway (right name, wrong CA)
#   server2.{pem,key}              CA 2; SAN localhost, 127.0.0.1 (for rotation)
set -euo pipefail
dir=$1
mkdir -p "$dir"
cd "$dir"
ca() {  # name
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=llmsrouter test $1" -keyout "$1.key" -out "$1.pem" 2>/dev/null
}
leaf() {  # name ca cn san
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$3" \
    -keyout "$1.key" -out "$1.csr" 2>/dev/null
  printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=CA:FALSE\n' \
    "$4" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial -days 2 \
    -extfile "$1.ext" -out "$1.pem" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}
ca ca
ca ca2
leaf server ca llmsrouter-router "DNS:localhost,IP:127.0.0.1"
leaf gateway ca llmsrouter-gateway "DNS:llmsrouter-gateway"
leaf client ca direct-client "DNS:direct-client"
leaf impostor ca2 llmsrouter-gateway "DNS:llmsrouter-gateway"
leaf server2 ca2 llmsrouter-router "DNS:localhost,IP:127.0.0.1"
