/* SPDX-License-Identifier: BSD-3-Clause */
/* Human-readable rendering of control-socket results: see nfv_render.h. */
#include <config.h>

#include "nfv_render.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Spaces added per nesting level. */
#define INDENT_STEP 2

/* Spaces between table columns. */
#define COLUMN_GAP 2

/* One leaf of a flattened table row. */
struct leaf {
    char *name;                 /* Member path, "outer.inner". */
    const json_t *value;        /* Never a non-empty object. */
};

/* A table row flattened to its leaves. */
struct row {
    struct leaf *leaves;
    size_t n_leaves;
};

/* A table column. */
struct column {
    const char *name;           /* Owned by a row's leaf. */
    size_t width;               /* Widest cell or header, in characters. */
    bool numeric;               /* Every present value is a number. */
    bool has_number;            /* Some value is a number. */
};

/* ---- Text ---- */

/* Writes 's' to 'out', showing control characters as '?'. */
static void
put_sanitized(FILE *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
        if (*p < 0x20 || *p == 0x7f) {
            fputc('?', out);
        } else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
            /* C1 control, U+0080..U+009F: some terminals obey it. */
            fputc('?', out);
            p++;
        } else {
            fputc(*p, out);
        }
    }
}

/* Returns the number of characters of UTF-8 (sanitized) text 's'. */
static size_t
text_width(const char *s)
{
    size_t n = 0;

    for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
        n += (*p & 0xc0) != 0x80;
    }
    return n;
}

/* Returns true if 'v' is the empty string. */
static bool
is_empty_string(const json_t *v)
{
    return json_is_string(v) && !json_string_length(v);
}

/* Writes 'n' spaces. */
static void
put_spaces(FILE *out, size_t n)
{
    fprintf(out, "%*s", (int) n, "");
}

/* Returns true for values shown on one line after their key. */
static bool
is_inline(const json_t *v)
{
    size_t i;
    json_t *item;

    if (json_is_object(v)) {
        return json_object_size(v) == 0;
    }
    if (!json_is_array(v)) {
        return true;
    }
    json_array_foreach(v, i, item) {
        if (json_is_object(item) || json_is_array(item)) {
            return false;
        }
    }
    return true;
}

/* Writes an inline value (see is_inline()), sanitized. */
static void
put_inline(FILE *out, const json_t *v)
{
    size_t i;
    json_t *item;

    switch (json_typeof(v)) {
    case JSON_STRING:
        put_sanitized(out, json_string_value(v));
        break;
    case JSON_INTEGER:
        fprintf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        break;
    case JSON_REAL:
        fprintf(out, "%.15g", json_real_value(v));
        break;
    case JSON_TRUE:
    case JSON_FALSE:
        fputs(json_is_true(v) ? "true" : "false", out);
        break;
    case JSON_NULL:
        fputc('-', out);
        break;
    case JSON_OBJECT:
        fputs("(none)", out);
        break;
    case JSON_ARRAY:
        if (!json_array_size(v)) {
            fputs("(none)", out);
        }
        json_array_foreach(v, i, item) {
            fputs(i ? ", " : "", out);
            put_inline(out, item);
        }
        break;
    }
}

/* Writes any value on one line: inline form, else sanitized compact JSON. */
static void
put_oneline(FILE *out, const json_t *v)
{
    char *json;

    if (is_inline(v)) {
        put_inline(out, v);
        return;
    }
    json = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    if (json) {
        put_sanitized(out, json);
        free(json);
    }
}

/* Returns what put_oneline() writes, as a malloc()ed string, or NULL. */
static char *
oneline_text(const json_t *v)
{
    char *text = NULL;
    size_t size;
    FILE *m = open_memstream(&text, &size);

    if (!m) {
        return NULL;
    }
    put_oneline(m, v);
    if (fclose(m)) {
        free(text);
        return NULL;
    }
    return text;
}

/* Returns the sanitized form of 's', malloc()ed, or NULL. */
static char *
sanitized_text(const char *s)
{
    char *text = NULL;
    size_t size;
    FILE *m = open_memstream(&text, &size);

    if (!m) {
        return NULL;
    }
    put_sanitized(m, s);
    if (fclose(m)) {
        free(text);
        return NULL;
    }
    return text;
}

/* ---- Tables ---- */

/* Appends the leaves of 'obj' under 'prefix' (NULL at the top) to 'row'. */
static int
flatten(struct row *row, const char *prefix, const json_t *obj)
{
    const char *key;
    json_t *value;

    json_object_foreach((json_t *) obj, key, value) {
        char *name = NULL;
        struct leaf *leaves;

        if (prefix ? asprintf(&name, "%s.%s", prefix, key) < 0
                   : !(name = strdup(key))) {
            return -ENOMEM;
        }
        if (json_is_object(value) && json_object_size(value)) {
            int err = flatten(row, name, value);

            free(name);
            if (err) {
                return err;
            }
            continue;
        }
        leaves = reallocarray(row->leaves, row->n_leaves + 1,
                              sizeof *leaves);
        if (!leaves) {
            free(name);
            return -ENOMEM;
        }
        row->leaves = leaves;
        row->leaves[row->n_leaves++] = (struct leaf) { name, value };
    }
    return 0;
}

/* Returns the value of 'row' in column 'name', or NULL if it has none. */
static const json_t *
row_get(const struct row *row, const char *name)
{
    for (size_t i = 0; i < row->n_leaves; i++) {
        if (!strcmp(row->leaves[i].name, name)) {
            return row->leaves[i].value;
        }
    }
    return NULL;
}

/* Frees 'n' rows. */
static void
free_rows(struct row *rows, size_t n)
{
    for (size_t i = 0; rows && i < n; i++) {
        for (size_t j = 0; j < rows[i].n_leaves; j++) {
            free(rows[i].leaves[j].name);
        }
        free(rows[i].leaves);
    }
    free(rows);
}

/* Adds the columns of 'row' that 'cols' lacks, in order; 0 or -ENOMEM. */
static int
add_columns(struct column **cols, size_t *n_cols, const struct row *row)
{
    for (size_t i = 0; i < row->n_leaves; i++) {
        const char *name = row->leaves[i].name;
        struct column *c;
        size_t j;

        for (j = 0; j < *n_cols && strcmp((*cols)[j].name, name); j++) {
            continue;
        }
        if (j < *n_cols) {
            continue;
        }
        c = reallocarray(*cols, *n_cols + 1, sizeof *c);
        if (!c) {
            return -ENOMEM;
        }
        *cols = c;
        c[(*n_cols)++] = (struct column) { .name = name, .numeric = true };
    }
    return 0;
}

/* Widens 'col' for a cell showing 'text' of value 'v' (NULL if missing). */
static void
measure_cell(struct column *col, const char *text, const json_t *v)
{
    size_t width = text_width(text);

    if (width > col->width) {
        col->width = width;
    }
    if (json_is_number(v)) {
        col->has_number = true;
    } else if (v && !json_is_null(v)) {
        col->numeric = false;
    }
}

/* Writes 'text' in a cell of 'col'; the last column is not padded. */
static void
put_cell(FILE *out, const struct column *col, const char *text, bool first,
         bool last)
{
    size_t pad = col->width - text_width(text);
    bool right = col->numeric && col->has_number;

    if (!first) {
        put_spaces(out, COLUMN_GAP);
    }
    if (right) {
        put_spaces(out, pad);
    }
    fputs(text, out);
    if (!right && !last) {
        put_spaces(out, pad);
    }
}

/* Writes one line of a table; empty cells at its end are left out. */
static void
put_row(FILE *out, const struct column *cols, size_t n_cols,
        char *const cells[], size_t indent)
{
    size_t n = n_cols;

    while (n > 0 && !cells[n - 1][0]) {
        n--;
    }
    if (n) {
        put_spaces(out, indent);
    }
    for (size_t c = 0; c < n; c++) {
        put_cell(out, &cols[c], cells[c], c == 0, c + 1 == n);
    }
    fputc('\n', out);
}

/* Returns the malloc()ed text of every cell, row by row, or NULL. */
static char **
make_cells(const struct row *rows, size_t n_rows, struct column *cols,
           size_t n_cols)
{
    char **cells = calloc(n_rows * n_cols + 1, sizeof *cells);

    for (size_t r = 0; cells && r < n_rows; r++) {
        for (size_t c = 0; c < n_cols; c++) {
            const json_t *v = row_get(&rows[r], cols[c].name);
            char *text = v ? oneline_text(v) : strdup("-");

            if (!text) {
                for (size_t i = 0; i < r * n_cols + c; i++) {
                    free(cells[i]);
                }
                free(cells);
                return NULL;
            }
            cells[r * n_cols + c] = text;
            measure_cell(&cols[c], text, v);
        }
    }
    return cells;
}

/* Writes the header then the rows of a table, each line indented. */
static int
put_table(FILE *out, const struct row *rows, size_t n_rows,
          struct column *cols, size_t n_cols, size_t indent)
{
    char **headers = calloc(n_cols + 1, sizeof *headers);
    char **cells = make_cells(rows, n_rows, cols, n_cols);
    int err = headers && cells ? 0 : -ENOMEM;

    for (size_t c = 0; !err && c < n_cols; c++) {
        headers[c] = sanitized_text(cols[c].name);
        err = headers[c] ? 0 : -ENOMEM;
        if (!err) {
            measure_cell(&cols[c], headers[c], NULL);
        }
    }
    for (size_t r = 0; !err && r <= n_rows; r++) {
        put_row(out, cols, n_cols, r ? &cells[(r - 1) * n_cols] : headers,
                indent);
    }
    for (size_t i = 0; headers && i < n_cols; i++) {
        free(headers[i]);
    }
    for (size_t i = 0; cells && i < n_rows * n_cols; i++) {
        free(cells[i]);
    }
    free(headers);
    free(cells);
    return err;
}

/* Writes array of objects 'array' as a table. */
static int
render_table(FILE *out, const json_t *array, size_t indent)
{
    size_t n_rows = json_array_size(array);
    struct row *rows = calloc(n_rows, sizeof *rows);
    struct column *cols = NULL;
    size_t n_cols = 0;
    int err = rows ? 0 : -ENOMEM;

    for (size_t r = 0; !err && r < n_rows; r++) {
        err = flatten(&rows[r], NULL, json_array_get(array, r));
        if (!err) {
            err = add_columns(&cols, &n_cols, &rows[r]);
        }
    }
    if (!err && n_cols) {
        err = put_table(out, rows, n_rows, cols, n_cols, indent);
    }
    free(cols);
    free_rows(rows, n_rows);
    return err;
}

/* ---- Values ---- */

static int render_value(FILE *out, const json_t *v, size_t indent);

/* Returns true if 'v' is a non-empty array holding only objects. */
static bool
is_table(const json_t *v)
{
    size_t i;
    json_t *item;

    if (!json_is_array(v) || !json_array_size(v)) {
        return false;
    }
    json_array_foreach(v, i, item) {
        if (!json_is_object(item)) {
            return false;
        }
    }
    return true;
}

/* Returns the width of the widest key of the members of 'obj' shown inline. */
static size_t
inline_key_width(const json_t *obj)
{
    const char *key;
    json_t *value;
    size_t width = 0;

    json_object_foreach((json_t *) obj, key, value) {
        char *text = is_inline(value) ? sanitized_text(key) : NULL;

        if (text && text_width(text) > width) {
            width = text_width(text);
        }
        free(text);
    }
    return width;
}

/* Writes the members of 'obj', one per line or section. */
static int
render_object(FILE *out, const json_t *obj, size_t indent)
{
    size_t width = inline_key_width(obj);
    const char *key;
    json_t *value;

    json_object_foreach((json_t *) obj, key, value) {
        char *text = sanitized_text(key);
        int err = 0;

        if (!text) {
            return -ENOMEM;
        }
        put_spaces(out, indent);
        fprintf(out, "%s:", text);
        if (is_inline(value)) {
            size_t key_width = text_width(text);

            if (!is_empty_string(value)) {
                put_spaces(out, (width > key_width ? width - key_width : 0)
                                + 1);
            }
            put_inline(out, value);
            fputc('\n', out);
        } else {
            fputc('\n', out);
            err = render_value(out, value, indent + INDENT_STEP);
        }
        free(text);
        if (err) {
            return err;
        }
    }
    return 0;
}

/* Writes the items of an array that is not a table, one per line. */
static void
render_list(FILE *out, const json_t *array, size_t indent)
{
    size_t i;
    json_t *item;

    json_array_foreach(array, i, item) {
        put_spaces(out, is_empty_string(item) ? 0 : indent);
        put_oneline(out, item);
        fputc('\n', out);
    }
}

/* Writes 'v' at 'indent'. */
static int
render_value(FILE *out, const json_t *v, size_t indent)
{
    if (json_is_object(v)) {
        return render_object(out, v, indent);
    }
    if (is_table(v)) {
        return render_table(out, v, indent);
    }
    if (json_is_array(v)) {
        render_list(out, v, indent);
    } else {
        put_spaces(out, is_empty_string(v) ? 0 : indent);
        put_inline(out, v);
        fputc('\n', out);
    }
    return 0;
}

int
nfv_render(FILE *out, const json_t *result)
{
    int err = render_value(out, result, 0);

    if (!err && (fflush(out) || ferror(out))) {
        err = -EIO;
    }
    return err;
}
