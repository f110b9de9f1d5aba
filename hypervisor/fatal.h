/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fatal.h - one line and a backtrace on stderr before dying of a fault.
 */
#ifndef NFV_FATAL_H
#define NFV_FATAL_H

/**
 * On SIGSEGV, SIGBUS, SIGILL, SIGFPE or SIGABRT, write "@name: fatal
 * signal N (NAME) at address A in thread T (COMM); its backtrace:" and the
 * backtrace to stderr, call @cleanup (if not NULL: it must be
 * async-signal-safe, e.g. unlink(2) of socket files), then die of the
 * signal as before (core dump where allowed).  Not installed in
 * AddressSanitizer builds, whose report is better.  Call once, early in
 * main().
 */
void nfv_fatal_report_install(const char *name, void (*cleanup)(void));

#endif /* NFV_FATAL_H */
