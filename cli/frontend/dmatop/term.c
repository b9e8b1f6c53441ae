/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * term.c - the terminal: curses set-up and restore, colours, signals
 * (Ctrl-C and SIGTERM end the loop; a crash restores the terminal before
 * the default action), and a one-line prompt.
 */
#include <curses.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "dmatop.h"

volatile sig_atomic_t term_quit;
static volatile sig_atomic_t curses_on;

static void on_quit(int sig)
{
	term_quit = 1;
}

static void on_crash(int sig)
{
	/* endwin is not async-signal-safe, but a dead terminal is worse */
	if (curses_on)
		endwin();
	signal(sig, SIG_DFL);
	raise(sig);
}

void term_install_signals(void)
{
	static const int fatal[] = {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL};
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	/* no SA_RESTART: a signal should wake getch at once */
	sa.sa_handler = on_quit;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_crash;
	sa.sa_flags = SA_RESETHAND;
	for (i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		sigaction(fatal[i], &sa, NULL);
}

static bool colors;

int attr_of(enum attr_kind k)
{
	switch (k) {
	case AT_TITLE:
		return colors ? COLOR_PAIR(AT_TITLE) : A_REVERSE;
	case AT_SEL:
		return colors ? COLOR_PAIR(AT_SEL) : A_REVERSE | A_BOLD;
	case AT_ALERT:
		return colors ? COLOR_PAIR(AT_ALERT) | A_BOLD : A_BOLD;
	case AT_SORT:
		return colors ? COLOR_PAIR(AT_SORT) | A_BOLD : A_BOLD;
	case AT_TAB:
		return colors ? COLOR_PAIR(AT_TAB) | A_BOLD : A_REVERSE;
	case AT_DIM:
		return colors ? COLOR_PAIR(AT_DIM) : A_DIM;
	default:
		return A_NORMAL;
	}
}

int term_start(void)
{
	SCREEN *s;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return -1;
	s = newterm(NULL, stdout, stdin);
	if (!s)
		return -1;
	set_term(s);
	curses_on = 1;
	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	keypad(stdscr, TRUE);
	curs_set(0);
	set_escdelay(25);
	if (has_colors()) {
		start_color();
		use_default_colors();
		init_pair(AT_TITLE, COLOR_BLACK, COLOR_GREEN);
		init_pair(AT_SEL, COLOR_BLACK, COLOR_CYAN);
		init_pair(AT_ALERT, COLOR_RED, -1);
		init_pair(AT_SORT, COLOR_BLACK, COLOR_CYAN);
		init_pair(AT_TAB, COLOR_BLACK, COLOR_CYAN);
		init_pair(AT_DIM, COLOR_BLUE, -1);
		colors = true;
	}
	return 0;
}

void term_end(void)
{
	if (!curses_on)
		return;
	curs_set(1);
	endwin();
	curses_on = 0;
}

bool term_prompt(const char *label, char *buf, size_t n)
{
	int y = getmaxy(stdscr) - 1, ch;
	size_t len = strlen(buf);
	bool ok = false;

	curs_set(1);
	timeout(-1);
	for (;;) {
		move(y, 0);
		clrtoeol();
		draw_text(y, 0, label, attr_of(AT_SORT));
		draw_text(y, (int)strlen(label), buf, attr_of(AT_NORMAL));
		move(y, (int)(strlen(label) + len));
		refresh();
		ch = getch();
		if (term_quit)
			break;
		if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
			ok = true;
			break;
		}
		if (ch == 27 || ch == 7) /* Esc, Ctrl-G */
			break;
		if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
			if (len)
				buf[--len] = '\0';
		} else if (ch == 21) { /* Ctrl-U */
			len = 0;
			buf[0] = '\0';
		} else if (ch >= 32 && ch < 127 && len + 1 < n) {
			buf[len++] = (char)ch;
			buf[len] = '\0';
		}
	}
	curs_set(0);
	return ok;
}
