#!/usr/bin/env bash
# A test chip's EF.SOD and DG1 (ICAO 9303, TD1 ID card), signed by a test Document Signer.
# usage: tests/pki/mksod.sh PKI_DIR OUT_DIR ID_NUMBER DOC_NUMBER YYMMDD SEX MRZ_NAME
#   e.g. mksod.sh pki out 001085012345 085012345 850314 M 'NGUYEN<<VAN<AN'
#   OUT_DIR/dg1.bin  OUT_DIR/sod.der
set -euo pipefail
pki=$1 out=$2 id=$3 doc=$4 dob=$5 sex=$6 name=$7
mkdir -p "$out"

# ICAO 9303 check digit: weights 7 3 1, A-Z = 10..35, < = 0
cd_() {
	local s=$1 sum=0 i c v w=(7 3 1)
	for ((i = 0; i < ${#s}; i++)); do
		c=${s:i:1}
		case $c in
		[0-9]) v=$c ;;
		'<') v=0 ;;
		*) v=$(($(printf '%d' "'$c") - 55)) ;;
		esac
		sum=$((sum + v * w[i % 3]))
	done
	echo $((sum % 10))
}
pad() { local s=$1; while [ ${#s} -lt "$2" ]; do s="$s<"; done; echo "${s:0:$2}"; }

expiry=351231
l1="IDVNM${doc}$(cd_ "$doc")$(pad "$id" 15)"
l2a="${dob}$(cd_ "$dob")${sex}${expiry}$(cd_ "$expiry")VNM<<<<<<<<<<<"
comp="${l1:5:25}${l2a:0:7}${l2a:8:7}${l2a:18:11}"
l2="${l2a}$(cd_ "$comp")"
l3=$(pad "$name" 30)
mrz="$l1$l2$l3"
[ ${#mrz} = 90 ] || { echo "mksod: MRZ is ${#mrz} characters" >&2; exit 1; }
# DG1 = 61 5D { 5F1F 5A <90 MRZ bytes> }
{ printf '\x61\x5d\x5f\x1f\x5a'; printf '%s' "$mrz"; } > "$out/dg1.bin"

h1=$(openssl dgst -sha256 -hex "$out/dg1.bin" | awk '{print $NF}')
h2=$(head -c 64 /dev/urandom | openssl dgst -sha256 -hex | awk '{print $NF}')
cat > "$out/lds.cnf" <<CNF
asn1=SEQUENCE:lds
[lds]
version=INTEGER:0
alg=SEQUENCE:alg
hashes=SEQUENCE:dgs
[alg]
algorithm=OID:sha256
[dgs]
dg1=SEQUENCE:dg1
dg2=SEQUENCE:dg2
[dg1]
n=INTEGER:1
h=FORMAT:HEX,OCTETSTRING:$h1
[dg2]
n=INTEGER:2
h=FORMAT:HEX,OCTETSTRING:$h2
CNF
openssl asn1parse -genconf "$out/lds.cnf" -noout -out "$out/lds.der"
openssl cms -sign -binary -nodetach -in "$out/lds.der" -signer "$pki/ds.pem" -inkey "$pki/ds.key" \
	-econtent_type 2.23.136.1.1.1 -md sha256 -outform DER -out "$out/sod.der"
rm -f "$out/lds.cnf"
