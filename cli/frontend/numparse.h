/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * numparse.h - the one parser for every number a user gives dmatrace and
 * dmatop (options, prompts): NaN, infinities, signs, blanks, trailing
 * junk, overflow and values outside the option's range are all refused,
 * so a script's typo is an error that names the option, never a hang.
 */
#ifndef DMASCOPE_NUMPARSE_H
#define DMASCOPE_NUMPARSE_H

#include <stdint.h>

/*
 * "500ms", "5s", "1.5s", "2m", "1h", "100us", "250ns"; a bare number is
 * seconds.  0 on success, -1 on a malformed or out-of-range value.
 */
int dmas_parse_duration(const char *s, uint64_t *ns);
/* A duration from min_ns to max_ns (inclusive); 0 or -1. */
int dmas_parse_duration_range(const char *s, uint64_t min_ns, uint64_t max_ns,
			      uint64_t *ns);
/* Decimal digits only, from min to max; 0 or -1. */
int dmas_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* A finite decimal number from min to max (no sign, no blanks); 0 or -1. */
int dmas_parse_real(const char *s, double min, double max, double *out);

#endif /* DMASCOPE_NUMPARSE_H */
