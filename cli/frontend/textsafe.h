/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * textsafe.h - names from a recording (devices, drivers, stack frames,
 * hosts) made safe for where they are shown: a terminal never receives a
 * control byte or escape sequence from them, and JSON is always valid
 * UTF-8.  A recording may be damaged or crafted; every frontend shows its
 * strings through these.
 */
#ifndef DMASCOPE_TEXTSAFE_H
#define DMASCOPE_TEXTSAFE_H

#include <stddef.h>

/*
 * Length of the valid UTF-8 sequence at s (at most n bytes), 0 when the
 * bytes there are not one.
 */
size_t dmas_utf8_seq_len(const unsigned char *s, size_t n);

/*
 * s as terminal text in buf (n bytes, n > 0): printable ASCII as it is, a
 * backslash doubled, every other byte (controls, escape, bytes above 0x7e)
 * as \xNN, so one byte is one column and nothing reaches the terminal as
 * a command.  Cut at a whole escape when buf is too small.  Returns buf.
 */
char *dmas_text_safe(const char *s, char *buf, size_t n);
/* The same for at most len bytes of s (which need not end in NUL). */
char *dmas_text_safe_n(const char *s, size_t len, char *buf, size_t n);

/*
 * s as valid UTF-8 in a new string (free it): valid sequences kept, every
 * other byte as the character U+00XX of its value, so no byte is lost.
 * NULL when out of memory.
 */
char *dmas_utf8_fix(const char *s);

struct json_object;
/* A json-c string of s made valid UTF-8 (dmas_utf8_fix). */
struct json_object *dmas_json_string(const char *s);

#endif /* DMASCOPE_TEXTSAFE_H */
