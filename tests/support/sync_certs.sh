#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# sync_certs.sh DIR: makes the TLS material the sync tests use, with the openssl command line only.
#
#   ca.key ca.pem               the test CA the kiosk trusts
#   server.key server.pem       localhost / 127.0.0.1, signed by the CA, 30 days
#   server.pin                  sha256//BASE64 of server.key's SubjectPublicKeyInfo
#   other.pin                   the pin of an unrelated key (pin mismatch)
#   rogue-ca.key rogue-ca.pem   another CA, not trusted
#   rogue.key rogue.pem         the same names, signed by the rogue CA
#   expired.key expired.pem     the same names, signed by the CA, valid 2020-01-01..02 only
#   done                        all of the above exist
#   wrongname.key wrongname.pem DNS:example.invalid only, signed by the CA (host name mismatch)
#   done2                       all of the above exist (a second run does nothing)
#
# A DIR made before wrongname existed (done, no done2) gets only wrongname added, signed by
# its existing CA, so what it held already stays valid.
#
# Keys are EC P-256 (fast). Quiet on success; on failure the openssl output goes to stderr.
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: sync_certs.sh DIR" >&2
    exit 2
fi
dir=$1
[ -e "$dir/done2" ] && exit 0
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
[ -e "$dir/done2" ] && exit 0

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
[v3_wrongname]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:example.invalid
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

csr() { # csr NAME [CN]: NAME.key and NAME.csr for CN (localhost)
    key "$work/$1.key"
    run openssl req -config "$cnf" -new -key "$work/$1.key" -subj "/CN=${2:-localhost}" \
        -out "$work/$1.csr"
}

leaf() { # leaf NAME CA [EXT CN]: NAME.pem signed by CA.pem/CA.key (paths without .pem/.key),
    # with the extensions EXT (v3_server) for CN (localhost), valid 30 days
    csr "$1" "${4:-localhost}"
    run openssl x509 -req -in "$work/$1.csr" -CA "$2.pem" -CAkey "$2.key" \
        -set_serial "0x$(openssl rand -hex 8)" -days 30 -sha256 \
        -extfile "$cnf" -extensions "${3:-v3_server}" -out "$work/$1.pem"
}

pin() { # pin KEYFILE: prints sha256//BASE64(sha256(DER SubjectPublicKeyInfo))
    local der="$work/pin.der" b64
    run openssl pkey -in "$1" -pubout -outform DER -out "$der"
    b64=$(openssl dgst -sha256 -binary "$der" | openssl base64 -A)
    [ -n "$b64" ] || { echo "sync_certs.sh: cannot compute the pin of $1" >&2; exit 1; }
    echo "sha256//$b64"
}

if [ ! -e "$dir/done" ]; then
    ca ca "hailong test CA"
    leaf server "$work/ca"
    ca rogue-ca "hailong rogue CA"
    leaf rogue "$work/rogue-ca"

    # Expired: openssl x509 -req cannot set past dates in 3.0; openssl ca can.
    mkdir "$work/ca"
    : >"$work/ca/index.txt"
    openssl rand -hex 8 >"$work/ca/serial"
    csr expired
    run openssl ca -batch -config "$cnf" -name test_ca -cert "$work/ca.pem" \
        -keyfile "$work/ca.key" -in "$work/expired.csr" -out "$work/expired.pem" -notext \
        -startdate 20200101000000Z -enddate 20200102000000Z -extfile "$cnf" -extensions v3_server

    key "$work/other.key"
    pin "$work/server.key" >"$work/server.pin"
    pin "$work/other.key" >"$work/other.pin"

    for f in ca.key ca.pem server.key server.pem server.pin other.pin rogue-ca.key rogue-ca.pem \
        rogue.key rogue.pem expired.key expired.pem; do
        mv -f "$work/$f" "$dir/$f"
    done
    touch "$dir/done"
fi

# Wrong name: the good CA, but a name the kiosk never asks for (made also for an older DIR).
if [ ! -e "$dir/wrongname.pem" ] || [ ! -e "$dir/wrongname.key" ]; then
    leaf wrongname "$dir/ca" v3_wrongname example.invalid
    mv -f "$work/wrongname.key" "$dir/wrongname.key"
    mv -f "$work/wrongname.pem" "$dir/wrongname.pem"
fi
touch "$dir/done2"
