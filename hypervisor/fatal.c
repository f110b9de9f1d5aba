/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fatal.c - a report on stderr when nfvisord dies of a fault.
 *
 * A fault in nfvisord's own code is a bug; one in a DPDK driver (see
 * nfvisord(8), BUGS) comes from outside it.  Either way the process dies
 * as it would have (the signal's default action: a core dump where
 * `ulimit -c` allows one), after one line that names the signal, the
 * faulting address and the thread, followed by the thread's backtrace:
 * library frames by name, nfvisord's by offset (addr2line -e nfvisord).
 *
 * Then the caller's cleanup removes what would otherwise be left behind
 * (nfvisord: its socket files and EAL runtime directory).
 *
 * Only async-signal-safe calls in the handler: write(2), prctl(2),
 * backtrace_symbols_fd(3) (backtrace(3) is called once at install time so
 * that it does not load libgcc_s from the handler), the cleanup's, raise(3).
 */
#include <execinfo.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "fatal.h"

#define MAX_FRAMES 64

/* AddressSanitizer (GCC says so one way, clang the other). */
#if defined(__SANITIZE_ADDRESS__)
#define NFV_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NFV_ASAN 1
#endif
#endif

#ifndef NFV_ASAN
static const char *prog = "nfvisord";
static void (*cleanup_fn)(void);

static const struct {
	int sig;
	const char *name;
} fatal_sigs[] = {
	{ SIGSEGV, "SIGSEGV" }, { SIGBUS, "SIGBUS" }, { SIGILL, "SIGILL" },
	{ SIGFPE, "SIGFPE" }, { SIGABRT, "SIGABRT" },
};

/* Appends @s to @buf (of @size, used @len); returns the new length. */
static size_t
put_str(char *buf, size_t size, size_t len, const char *s)
{
	while (*s && len + 1 < size)
		buf[len++] = *s++;
	return len;
}

/* Appends @v in base @base (10 or 16, the latter with 0x). */
static size_t
put_num(char *buf, size_t size, size_t len, unsigned long v, unsigned int base)
{
	char tmp[24];
	int n = 0;

	if (base == 16)
		len = put_str(buf, size, len, "0x");
	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v && n < (int)sizeof(tmp));
	while (n > 0 && len + 1 < size)
		buf[len++] = tmp[--n];
	return len;
}

static void
on_fatal(int sig, siginfo_t *si, void *uctx)
{
	char line[256], comm[17] = "";
	void *frames[MAX_FRAMES];
	const char *name = "?";
	size_t len = 0, i;
	int n;

	(void)uctx;
	for (i = 0; i < sizeof(fatal_sigs) / sizeof(fatal_sigs[0]); i++)
		if (fatal_sigs[i].sig == sig)
			name = fatal_sigs[i].name;
	(void)prctl(PR_GET_NAME, comm, 0, 0, 0);
	len = put_str(line, sizeof(line), len, prog);
	len = put_str(line, sizeof(line), len, ": fatal signal ");
	len = put_num(line, sizeof(line), len, (unsigned long)sig, 10);
	len = put_str(line, sizeof(line), len, " (");
	len = put_str(line, sizeof(line), len, name);
	if (si && si->si_code > 0 && sig != SIGABRT) {	/* raised by a fault, not sent */
		len = put_str(line, sizeof(line), len, ") at address ");
		len = put_num(line, sizeof(line), len, (unsigned long)si->si_addr, 16);
	} else {
		len = put_str(line, sizeof(line), len, ", sent by pid ");
		len = put_num(line, sizeof(line), len, si ? (unsigned long)si->si_pid : 0, 10);
		len = put_str(line, sizeof(line), len, ")");
	}
	len = put_str(line, sizeof(line), len, " in thread ");
	len = put_num(line, sizeof(line), len, (unsigned long)gettid(), 10);
	len = put_str(line, sizeof(line), len, " (");
	len = put_str(line, sizeof(line), len, comm);
	len = put_str(line, sizeof(line), len, "); its backtrace:\n");
	(void)!write(STDERR_FILENO, line, len);
	n = backtrace(frames, MAX_FRAMES);
	backtrace_symbols_fd(frames, n, STDERR_FILENO);
	if (cleanup_fn)
		cleanup_fn();
	/* SA_RESETHAND restored the default action: die of it on return. */
	raise(sig);
}
#endif

void
nfv_fatal_report_install(const char *name, void (*cleanup)(void))
{
#ifdef NFV_ASAN
	/* AddressSanitizer's own report is the better one. */
	(void)name;
	(void)cleanup;
#else
	struct sigaction sa;
	void *frame;
	size_t i;

	prog = name;
	cleanup_fn = cleanup;
	(void)backtrace(&frame, 1);	/* loads libgcc_s now, not in the handler */
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fatal;
	sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(fatal_sigs) / sizeof(fatal_sigs[0]); i++)
		sigaction(fatal_sigs[i].sig, &sa, NULL);
#endif
}
