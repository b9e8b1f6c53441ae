// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* textsafe.c - see textsafe.h: recording strings made safe to show. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "frontend/textsafe.h"

size_t dmas_utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	/* overlong forms, surrogates and code points past U+10FFFF */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (len > n)
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

char *dmas_text_safe_n(const char *s, size_t len, char *buf, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	for (i = 0; i < len && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];
		char e[4];
		size_t k = 0;

		if (c == '\\') {
			e[k++] = '\\';
			e[k++] = '\\';
		} else if (c >= 0x20 && c < 0x7f) {
			e[k++] = (char)c;
		} else {
			e[k++] = '\\';
			e[k++] = 'x';
			e[k++] = hex[c >> 4];
			e[k++] = hex[c & 15];
		}
		if (o + k >= n)
			break;
		memcpy(buf + o, e, k);
		o += k;
	}
	buf[o] = '\0';
	return buf;
}

char *dmas_text_safe(const char *s, char *buf, size_t n)
{
	return dmas_text_safe_n(s ? s : "", SIZE_MAX, buf, n);
}

char *dmas_utf8_fix(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), i = 0, o = 0, k;
	char *out = malloc(len * 2 + 1);

	if (!out)
		return NULL;
	while (i < len) {
		k = dmas_utf8_seq_len(p + i, len - i);
		if (k) {
			memcpy(out + o, p + i, k);
			o += k;
			i += k;
			continue;
		}
		/* the byte's value as the character U+0080..U+00FF */
		out[o++] = (char)(0xc0 | p[i] >> 6);
		out[o++] = (char)(0x80 | (p[i] & 0x3f));
		i++;
	}
	out[o] = '\0';
	return out;
}

struct json_object *dmas_json_string(const char *s)
{
	struct json_object *j;
	char *fixed;

	if (!s)
		return NULL;
	fixed = dmas_utf8_fix(s);
	if (!fixed)
		return json_object_new_string("");
	j = json_object_new_string(fixed);
	free(fixed);
	return j;
}
