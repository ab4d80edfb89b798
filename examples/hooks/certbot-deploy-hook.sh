#!/bin/sh
# certbot deploy hook for certmedic: install as /etc/letsencrypt/renewal-hooks/deploy/certmedic.sh.
# certbot runs it after each successful renewal with RENEWED_LINEAGE set. It reports the new
# certificate (certificate.issued), reloads the server and reports the deployment's outcome.
# Settings (environment): CERTMEDIC_URL (https://certmedic.example.com), CERTMEDIC_WEBHOOK_SECRET,
# CERTMEDIC_CERT (inventory id), CERTMEDIC_DEPLOYMENT (deployment id), CERTMEDIC_RELOAD (command).
set -eu
URL="${CERTMEDIC_URL:?set CERTMEDIC_URL}/events"
CERT="${CERTMEDIC_CERT:?set CERTMEDIC_CERT to the inventory id}"
DEPLOYMENT="${CERTMEDIC_DEPLOYMENT:?set CERTMEDIC_DEPLOYMENT to the deployment id}"
RELOAD="${CERTMEDIC_RELOAD:-systemctl reload nginx}"
PEM="$RENEWED_LINEAGE/cert.pem"

field() { openssl x509 -in "$PEM" -noout "$1" | cut -d= -f2; }
serial=$(field -serial)
sha256=$(openssl x509 -in "$PEM" -noout -fingerprint -sha256 | cut -d= -f2 | tr -d :)
nb=$(date -u -d "$(field -startdate)" +%Y-%m-%dT%H:%M:%SZ)
na=$(date -u -d "$(field -enddate)" +%Y-%m-%dT%H:%M:%SZ)
now() { date -u +%Y-%m-%dT%H:%M:%SZ; }

# send POSTs one event, signed: v1=<hex HMAC-SHA256(secret, "v1:" + timestamp + ":" + body)>.
send() {
  ts=$(date +%s)
  sig=$(printf 'v1:%s:%s' "$ts" "$1" | openssl dgst -sha256 -hmac "$CERTMEDIC_WEBHOOK_SECRET" -r | cut -d' ' -f1)
  curl -fsS -X POST "$URL" -H 'content-type: application/json' \
    -H "X-Certmedic-Timestamp: $ts" -H "X-Certmedic-Signature: v1=$sig" --data-binary "$1"
  echo
}

send "{\"id\":\"issued-$serial\",\"type\":\"certificate.issued\",\"time\":\"$(now)\",\"certificate\":\"$CERT\",\"data\":{\"serial\":\"$serial\",\"sha256\":\"$sha256\",\"notBefore\":\"$nb\",\"notAfter\":\"$na\"}}"
if out=$($RELOAD 2>&1); then
  send "{\"id\":\"deploy-$serial\",\"type\":\"deployment.succeeded\",\"time\":\"$(now)\",\"certificate\":\"$CERT\",\"data\":{\"deployment\":\"$DEPLOYMENT\"}}"
else
  err=$(printf '%s' "$out" | tail -n 20 | tr -d '\\"' | tr '\n\t' '  ')
  send "{\"id\":\"deploy-$serial\",\"type\":\"deployment.failed\",\"time\":\"$(now)\",\"certificate\":\"$CERT\",\"data\":{\"deployment\":\"$DEPLOYMENT\",\"error\":\"reload failed\",\"log\":\"$err\"}}"
  exit 1
fi
