/*
 * otp.h — one-time codes for the web login: TOTP (RFC 6238: HMAC-SHA1, 30 s steps, 6 digits, the
 * app's seed sealed under keys/data.key with AAD "totp:<ID>") with a ±1 step window and
 * single use (a step at or before the last accepted one is refused: RFC 6238 §5.2).
 * Pure: no I/O.
 *
 * Does not own: SMS codes (ep_app.c / ep_authorize.c make and MAC them), the seed's creation
 * (ep_app.c at activation), where the last step is kept (the account, in Redis).
 */
#ifndef AUTHD_OTP_H
#define AUTHD_OTP_H

#include <stddef.h>
#include <stdint.h>

#define OTP_STEP 30
#define OTP_WINDOW 1

/* RFC 4226 HOTP value (6 digits) of `seed` at counter `step`, into out[7]. */
void otp_hotp(const uint8_t *seed, size_t n, uint64_t step, char out[7]);

/* Checks a 6-digit `code` against the sealed seed of citizen `id` at time `now`: 0 and the
 * matching step in *step when a step in [now/30 - 1, now/30 + 1] that is greater than
 * `last_step` gives it; E_CRYPTO when none does (or the code is not 6 digits); E_INVALID when
 * the sealed seed does not open. Compares in constant time. */
int otp_totp_check(const uint8_t data_key[32], const char *id, const char *sealed_b64,
                   const char *code, long long now, long long last_step, long long *step);

#endif
