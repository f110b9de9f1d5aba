/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Human-readable rendering of control-socket results, used by nfvctl.
 *
 * The rendering is generic: it knows no command's schema.
 *
 * - An object prints one line per member.  Scalars, arrays of scalars and
 *   empty containers print as `key: value`, values aligned in a column;
 *   arrays of scalars join their items with ", ", empty containers print
 *   as "(none)" and null as "-".
 * - A non-empty nested object prints as `key:` followed by its members
 *   indented by two spaces.
 * - An array of objects prints as `key:` followed by an indented table: one
 *   column per member name, in the order first seen across the rows;
 *   members of nested objects become columns named `outer.inner`; a row
 *   without a member shows "-"; columns holding only numbers are
 *   right-aligned, others left-aligned.
 * - Any other array prints one item per line as compact JSON.
 * - A result that is itself an array of objects prints as a table, an array
 *   of anything else one item per line, a scalar as one line.
 *
 * Text from the daemon may come from guests: control characters (C0, DEL
 * and C1) are shown as '?' so they cannot drive the terminal.
 */
#ifndef NFV_RENDER_H
#define NFV_RENDER_H

#include <stdio.h>

#include <jansson.h>

/**
 * Write a command result to a stream in human-readable form.
 *
 * @param out
 *   Stream to write to.
 * @param result
 *   The "result" member of a successful reply.
 * @return
 *   0 on success, or:
 *   - -ENOMEM: out of memory (part of the output may be written).
 *   - -EIO: writing to @p out failed.
 */
int nfv_render(FILE *out, const json_t *result);

#endif /* NFV_RENDER_H */
