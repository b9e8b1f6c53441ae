// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* numparse.c - see numparse.h: strict parsers for user-given numbers. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/numparse.h"

/*
 * strtod alone takes " 1", "-1", "nan", "inf", "0x1p3" and "1e999" (HUGE_VAL
 * with ERANGE): only plain decimals reach it here.
 */
static int plain_real(const char *s, double *v, char **end)
{
	const char *p = s;

	if (!s || !isdigit((unsigned char)*s))
		if (!(s && *s == '.' && isdigit((unsigned char)s[1])))
			return -1;
	while (isdigit((unsigned char)*p) || *p == '.')
		p++;
	if ((*p == 'e' || *p == 'E') &&
	    (isdigit((unsigned char)p[1]) ||
	     ((p[1] == '-' || p[1] == '+') && isdigit((unsigned char)p[2])))) {
		p += 2;
		while (isdigit((unsigned char)*p))
			p++;
	}
	errno = 0;
	*v = strtod(s, end);
	/* strtod must have read just that (not "0x..." as hex) */
	if (errno || *end != p || !isfinite(*v) || *v < 0)
		return -1;
	return 0;
}

int dmas_parse_real(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	if (plain_real(s, &v, &end) || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int dmas_parse_duration(const char *s, uint64_t *ns)
{
	static const struct {
		const char *suffix;
		double mult;
	} units[] = {
		{"ns", 1},     {"us", 1e3},   {"ms", 1e6},
		{"s", 1e9},    {"sec", 1e9},  {"m", 60e9},
		{"min", 60e9}, {"h", 3600e9}, {"", 1e9},
	};
	char *end;
	double v;
	size_t i;

	if (plain_real(s, &v, &end))
		return -1;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].suffix))
			continue;
		v *= units[i].mult;
		if (v >= 1.8e19)
			return -1;
		*ns = (uint64_t)(v + 0.5);
		return 0;
	}
	return -1;
}

int dmas_parse_duration_range(const char *s, uint64_t min_ns, uint64_t max_ns,
			      uint64_t *ns)
{
	uint64_t v;

	if (dmas_parse_duration(s, &v) || v < min_ns || v > max_ns)
		return -1;
	*ns = v;
	return 0;
}

int dmas_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	const char *p;

	if (!s || !*s)
		return -1;
	for (p = s; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return -1;
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}
