#!/usr/bin/env bash
# A test chip-card PKI: a Country Signing CA (self-signed) and a Document Signer it certifies,
# as ICAO 9303 has them (P-256 keys here). Never for production.
# usage: tests/pki/mkpki.sh DIR [COUNTRY-NAME]
#   DIR/csca.pem csca.key   the trust anchor (put csca.pem in chip.csca_dir)
#   DIR/ds.pem ds.key       the Document Signer
set -euo pipefail
dir=$1; cn=${2:-Test CSCA}
mkdir -p "$dir"
cd "$dir"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
	-subj "/C=VN/O=authd test/CN=$cn" -keyout csca.key -out csca.pem \
	-addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
	-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-subj "/C=VN/O=authd test/CN=$cn Document Signer" -keyout ds.key -out ds.csr 2>/dev/null
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n' > ds.ext
openssl x509 -req -in ds.csr -CA csca.pem -CAkey csca.key -CAcreateserial -days 1825 \
	-extfile ds.ext -out ds.pem 2>/dev/null
rm -f ds.csr ds.ext csca.srl
