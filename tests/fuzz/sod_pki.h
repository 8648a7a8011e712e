/* sod_pki.h — the fixed chip-card test PKI of fuzz_sod (made once with tests/pki/mkpki.sh
 * "Fuzz CSCA"; never for production): a CSCA trust anchor and a Document Signer it certifies,
 * P-256, valid 2026-11-23 .. 2031-11-22 (the harness verifies at a fixed time inside that
 * window, so it stays deterministic after they expire). Fixed, not made at start, so that the
 * seed SODs in tests/fuzz/corpus/sod/ verify. */
#ifndef AUTHD_FUZZ_SOD_PKI_H
#define AUTHD_FUZZ_SOD_PKI_H

static const char CSCA_PEM[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIB1TCCAXqgAwIBAgIUexi39vBIw5eTcjB1QmpOzqmLLB8wCgYIKoZIzj0EAwIw\n"
	"NjELMAkGA1UEBhMCVk4xEzARBgNVBAoMCmF1dGhkIHRlc3QxEjAQBgNVBAMMCUZ1\n"
	"enogQ1NDQTAeFw0yNjExMjMxNjUwMzJaFw0zNjExMjAxNjUwMzJaMDYxCzAJBgNV\n"
	"BAYTAlZOMRMwEQYDVQQKDAphdXRoZCB0ZXN0MRIwEAYDVQQDDAlGdXp6IENTQ0Ew\n"
	"WTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAR8zcLFWpCwPpRAvWz8Pelu2oyLFhXN\n"
	"KFBzDYpkPE6htW1KI1oX/HS+j0PEHW++CtiJ32yP/jCp2gwYzFPH5UjUo2YwZDAd\n"
	"BgNVHQ4EFgQUm1ktM72qEte477QDqoGdIKRlHLAwHwYDVR0jBBgwFoAUm1ktM72q\n"
	"Ete477QDqoGdIKRlHLAwEgYDVR0TAQH/BAgwBgEB/wIBADAOBgNVHQ8BAf8EBAMC\n"
	"AQYwCgYIKoZIzj0EAwIDSQAwRgIhANTViw8JklEtgf1ufxJwSM4nxzOUOQlneK0l\n"
	"tuBzxThQAiEAtZANf2pg1hKOhOYKx0GSjjz3pxwmwBa9GAyGl5QwqNA=\n"
	"-----END CERTIFICATE-----\n";

static const char DS_PEM[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIB3zCCAYSgAwIBAgIUJUtMz9Y0h74DNE1HEZaYulQaRVMwCgYIKoZIzj0EAwIw\n"
	"NjELMAkGA1UEBhMCVk4xEzARBgNVBAoMCmF1dGhkIHRlc3QxEjAQBgNVBAMMCUZ1\n"
	"enogQ1NDQTAeFw0yNjExMjMxNjUwMzJaFw0zMTExMjIxNjUwMzJaMEYxCzAJBgNV\n"
	"BAYTAlZOMRMwEQYDVQQKDAphdXRoZCB0ZXN0MSIwIAYDVQQDDBlGdXp6IENTQ0Eg\n"
	"RG9jdW1lbnQgU2lnbmVyMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEkDDjD6jk\n"
	"jkufkFcD0E6DZX1naiikE42Hp+fYGbuS1PY3N5htRn+TLIrg2+1mfO2/7F/5QDmh\n"
	"PXNvjpqzvaDnYqNgMF4wDAYDVR0TAQH/BAIwADAOBgNVHQ8BAf8EBAMCB4AwHQYD\n"
	"VR0OBBYEFLDa/ZWhjIkocuA2Xw3WUINagYFJMB8GA1UdIwQYMBaAFJtZLTO9qhLX\n"
	"uO+0A6qBnSCkZRywMAoGCCqGSM49BAMCA0kAMEYCIQCW5RAVDyKA3SZg+CGphJIy\n"
	"tfPsNsOirXMJIyUn6fj9IgIhAOye2XwV0vindl8NPdb0yDN58pQM6CYwuTJXZtv2\n"
	"eBv+\n"
	"-----END CERTIFICATE-----\n";

static const char DS_KEY[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgJAefGb8EzeWX3eP2\n"
	"1gzYGNy0uMD+FVoOVr80A1h0EUKhRANCAASQMOMPqOSOS5+QVwPQToNlfWdqKKQT\n"
	"jYen59gZu5LU9jc3mG1Gf5MsiuDb7WZ87b/sX/lAOaE9c2+OmrO9oOdi\n"
	"-----END PRIVATE KEY-----\n";

#endif
