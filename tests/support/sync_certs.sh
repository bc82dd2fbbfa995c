#!/bin/bash
# sync_certs.sh DIR: makes the TLS material the sync tests use, with the openssl command line only.
#
#   ca.key ca.pem               the test CA the kiosk trusts
#   server.key server.pem       localhost / 127.0.0.1, signed by the CA, 30 days
#   server.pin                  sha256//BASE64 of server.key's SubjectPublicKeyInfo
#   other.pin                   the pin of an unrelated key (pin mismatch)
#   rogue-ca.key rogue-ca.pem   another CA, not trusted
#   rogue.key rogue.pem         the same names, signed by the rogue CA
#   expired.key expired.pem     the same names, signed by the CA, valid 2020-01-01..02 only
#   done                        all of the above exist (a second run does nothing)
#
# Keys are EC P-256 (fast). Quiet on success; on failure the openssl output goes to stderr.
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: sync_certs.sh DIR" >&2
    exit 2
fi
dir=$1
[ -e "$dir/done" ] && exit 0
mkdir -p "$dir"

# One run at a time per DIR (tests running in parallel may share one).
lock="$dir/.lock"
tries=0
until mkdir "$lock" 2>/dev/null; do
    tries=$((tries + 1))
    if [ "$tries" -gt 600 ]; then
        echo "sync_certs.sh: $lock held for a minute; remove it if stale" >&2
        exit 1
    fi
    sleep 0.1
done
work=$(mktemp -d "$dir/.work.XXXXXX")
log="$work/log"
: >"$log"
cleanup() {
    rm -rf "$work"
    rmdir "$lock" 2>/dev/null || true
}
trap cleanup EXIT
[ -e "$dir/done" ] && exit 0

# Runs a command, its output into the log; on failure prints the log and stops.
run() {
    if ! "$@" >>"$log" 2>&1; then
        echo "sync_certs.sh: failed: $*" >&2
        cat "$log" >&2
        exit 1
    fi
}

cat >"$work/openssl.cnf" <<EOF
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[v3_server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid,issuer
[ca]
default_ca = test_ca
[test_ca]
dir = $work/ca
database = $work/ca/index.txt
new_certs_dir = $work/ca
serial = $work/ca/serial
default_md = sha256
policy = any_cn
unique_subject = no
copy_extensions = none
[any_cn]
commonName = supplied
EOF
cnf=$work/openssl.cnf

key() { # key FILE
    run openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"
}

ca() { # ca NAME CN
    key "$work/$1.key"
    run openssl req -config "$cnf" -x509 -new -key "$work/$1.key" -sha256 -days 3650 \
        -subj "/CN=$2" -extensions v3_ca -out "$work/$1.pem"
}

csr() { # csr NAME: NAME.key and NAME.csr for localhost
    key "$work/$1.key"
    run openssl req -config "$cnf" -new -key "$work/$1.key" -subj "/CN=localhost" \
        -out "$work/$1.csr"
}

leaf() { # leaf NAME CA: NAME.pem signed by CA, valid 30 days
    csr "$1"
    run openssl x509 -req -in "$work/$1.csr" -CA "$work/$2.pem" -CAkey "$work/$2.key" \
        -set_serial "0x$(openssl rand -hex 8)" -days 30 -sha256 \
        -extfile "$cnf" -extensions v3_server -out "$work/$1.pem"
}

pin() { # pin KEYFILE: prints sha256//BASE64(sha256(DER SubjectPublicKeyInfo))
    local der="$work/pin.der" b64
    run openssl pkey -in "$1" -pubout -outform DER -out "$der"
    b64=$(openssl dgst -sha256 -binary "$der" | openssl base64 -A)
    [ -n "$b64" ] || { echo "sync_certs.sh: cannot compute the pin of $1" >&2; exit 1; }
    echo "sha256//$b64"
}

ca ca "hailong test CA"
leaf server ca
ca rogue-ca "hailong rogue CA"
leaf rogue rogue-ca

# Expired: openssl x509 -req cannot set past dates in 3.0; openssl ca can.
mkdir "$work/ca"
: >"$work/ca/index.txt"
openssl rand -hex 8 >"$work/ca/serial"
csr expired
run openssl ca -batch -config "$cnf" -name test_ca -cert "$work/ca.pem" -keyfile "$work/ca.key" \
    -in "$work/expired.csr" -out "$work/expired.pem" -notext \
    -startdate 20200101000000Z -enddate 20200102000000Z -extfile "$cnf" -extensions v3_server

key "$work/other.key"
pin "$work/server.key" >"$work/server.pin"
pin "$work/other.key" >"$work/other.pin"

for f in ca.key ca.pem server.key server.pem server.pin other.pin rogue-ca.key rogue-ca.pem \
    rogue.key rogue.pem expired.key expired.pem; do
    mv -f "$work/$f" "$dir/$f"
done
touch "$dir/done"
