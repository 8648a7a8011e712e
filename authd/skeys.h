/*
 * skeys.h — every Redis key authd and its tools spell, in one place. Keys of one citizen share
 * the hash tag {<12-digit ID number>} so they live in one Redis Cluster slot and one Lua script
 * may touch them all.
 *
 *   eid:{ID}:reg     hash    population-registry record (name, dob, sex, residence, phone, doc)
 *
 * Builders write into a caller buffer of at least SK_MAX bytes and return the length.
 */
#ifndef AUTHD_SKEYS_H
#define AUTHD_SKEYS_H

#include <stdio.h>

#define SK_MAX 96
#define SK_PREFIX "eid:"

static inline int sk_reg(char out[SK_MAX], const char *id)
{
	return snprintf(out, SK_MAX, SK_PREFIX "{%s}:reg", id);
}

#endif
