/* SPDX-License-Identifier: BSD-3-Clause */
/* options.h - nfvisord's own command line. */
#ifndef NFV_OPTIONS_H
#define NFV_OPTIONS_H

#include <stdio.h>

#include "daemon.h"

/** Fill @c with the defaults. */
void nfv_config_defaults(struct nfv_config *c);

/**
 * Parse the options after EAL's, then check what they say together: no
 * domain defined twice, port domains that exist, each domain's region
 * geometry, the chains' syntax (their port ids are checked once the ports
 * exist) and that the --summary file can be created.  Prints a one-line
 * error naming the option on failure (nfvisord then exits with status 2).
 * @return 0 to run, 1 if --help or --version was handled, -EINVAL.
 */
int nfv_options_parse(int argc, char **argv, struct nfv_config *c, const char *prog);

/**
 * Parse a trust domain given as NAME[,size=SIZE][,slots=N][,trust=trusted|untrusted].
 * @return 0 or -EINVAL with *why a one-line reason.
 */
int nfv_domain_spec_parse(const char *text, struct nfv_domain_spec *spec, const char **why);

/** Print the help text. */
void nfv_usage(FILE *out, const char *prog);

/**
 * Under --ring-size auto (@ring_auto), lower @p's ring size until its
 * region holds the rings and their buffers, down to NFV_RING_AUTO_MIN:
 * each domain's rings are as large as its region allows.
 */
void nfv_params_fit_ring(struct nfv_region_params *p, int ring_auto);

/**
 * If @p's region is smaller than its other parameters need, write to @msg
 * "domain NAME: WHY (SIZE at least, with N slots and --ring-size R)" and
 * return 1; else return 0 and leave @msg alone.
 */
int nfv_region_too_small(const struct nfv_region_params *p, const char *name, const char *why,
			 int ring_auto, char *msg, size_t len);

#endif /* NFV_OPTIONS_H */
