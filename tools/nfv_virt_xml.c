/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfv_virt_xml.c - the domain XML of an NF VM, and its helpers.  See
 * nfv_virt_xml.h.
 */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nfv_virt_xml.h"

/* ---- Buffer ---- */

/* Makes room for 'more' bytes and the NUL; false after a failure. */
static int
buf_reserve(struct nfv_buf *b, size_t more)
{
    size_t need = b->len + more + 1;
    size_t cap = b->cap ? b->cap : 256;
    char *p;

    if (b->err) {
        return 0;
    }
    if (need <= b->cap) {
        return 1;
    }
    while (cap < need) {
        cap *= 2;
    }
    p = realloc(b->data, cap);
    if (!p) {
        b->err = -ENOMEM;
        return 0;
    }
    b->data = p;
    b->cap = cap;
    return 1;
}

static void
buf_add(struct nfv_buf *b, const char *s, size_t n)
{
    if (buf_reserve(b, n)) {
        memcpy(b->data + b->len, s, n);
        b->len += n;
        b->data[b->len] = '\0';
    }
}

void
nfv_buf_printf(struct nfv_buf *b, const char *format, ...)
{
    va_list args;
    int n;

    va_start(args, format);
    n = vsnprintf(NULL, 0, format, args);
    va_end(args);
    if (n < 0 || !buf_reserve(b, n)) {
        return;
    }
    va_start(args, format);
    vsnprintf(b->data + b->len, n + 1, format, args);
    va_end(args);
    b->len += n;
}

void
nfv_buf_free(struct nfv_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

/* ---- Escaping ---- */

/* Decodes one UTF-8 character at 's'; returns its length and sets '*cp',
 * or returns 0 if it is malformed, overlong, a surrogate or > U+10FFFF. */
static size_t
utf8_decode(const unsigned char *s, uint32_t *cp)
{
    static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
    size_t n, i;
    uint32_t c;

    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    } else if ((s[0] & 0xe0) == 0xc0) {
        n = 2;
        c = s[0] & 0x1f;
    } else if ((s[0] & 0xf0) == 0xe0) {
        n = 3;
        c = s[0] & 0x0f;
    } else if ((s[0] & 0xf8) == 0xf0) {
        n = 4;
        c = s[0] & 0x07;
    } else {
        return 0;
    }
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 0;           /* Also stops at the NUL. */
        }
        c = (c << 6) | (s[i] & 0x3f);
    }
    if (c < min[n] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
        return 0;
    }
    *cp = c;
    return n;
}

/* Whether XML 1.0 allows character 'c' in a document. */
static int
xml_char_ok(uint32_t c)
{
    return c == '\t' || c == '\n' || c == '\r'
           || (c >= 0x20 && c != 0xfffe && c != 0xffff);
}

int
nfv_xml_escape(struct nfv_buf *b, const char *s)
{
    const unsigned char *p;
    size_t n;
    uint32_t c;

    for (p = (const unsigned char *) s; *p; p += n) {
        n = utf8_decode(p, &c);
        if (!n || !xml_char_ok(c)) {
            if (!b->err) {
                b->err = -EILSEQ;
            }
            return -EILSEQ;
        }
    }
    for (p = (const unsigned char *) s; *p; p++) {
        switch (*p) {
        case '&': buf_add(b, "&amp;", 5); break;
        case '<': buf_add(b, "&lt;", 4); break;
        case '>': buf_add(b, "&gt;", 4); break;
        case '"': buf_add(b, "&quot;", 6); break;
        case '\'': buf_add(b, "&apos;", 6); break;
        case '\t': buf_add(b, "&#9;", 4); break;
        case '\n': buf_add(b, "&#10;", 5); break;
        case '\r': buf_add(b, "&#13;", 5); break;
        default: buf_add(b, (const char *) p, 1); break;
        }
    }
    return b->err;
}

/* Appends code point 'c' as UTF-8. */
static void
buf_add_utf8(struct nfv_buf *b, uint32_t c)
{
    char u[4];

    if (c < 0x80) {
        u[0] = c;
        buf_add(b, u, 1);
    } else if (c < 0x800) {
        u[0] = 0xc0 | (c >> 6);
        u[1] = 0x80 | (c & 0x3f);
        buf_add(b, u, 2);
    } else if (c < 0x10000) {
        u[0] = 0xe0 | (c >> 12);
        u[1] = 0x80 | ((c >> 6) & 0x3f);
        u[2] = 0x80 | (c & 0x3f);
        buf_add(b, u, 3);
    } else {
        u[0] = 0xf0 | (c >> 18);
        u[1] = 0x80 | ((c >> 12) & 0x3f);
        u[2] = 0x80 | ((c >> 6) & 0x3f);
        u[3] = 0x80 | (c & 0x3f);
        buf_add(b, u, 4);
    }
}

/* Decodes the reference between '&' and ';' (exclusive) into 'b'. */
static int
decode_ref(struct nfv_buf *b, const char *ref, size_t n)
{
    static const struct { const char *name; char c; } ents[] = {
        { "amp", '&' }, { "lt", '<' }, { "gt", '>' },
        { "quot", '"' }, { "apos", '\'' },
    };
    unsigned long c = 0;
    size_t i, start = 1;
    int base = 10;

    for (i = 0; i < sizeof ents / sizeof ents[0]; i++) {
        if (strlen(ents[i].name) == n && !memcmp(ref, ents[i].name, n)) {
            buf_add(b, &ents[i].c, 1);
            return 0;
        }
    }
    if (n < 2 || ref[0] != '#') {
        return -EINVAL;
    }
    if (ref[1] == 'x') {
        base = 16;
        start = 2;
    }
    if (start == n || n - start > 8) {
        return -EINVAL;
    }
    for (i = start; i < n; i++) {
        int d;

        if (isdigit((unsigned char) ref[i])) {
            d = ref[i] - '0';
        } else if (base == 16 && isxdigit((unsigned char) ref[i])) {
            d = tolower((unsigned char) ref[i]) - 'a' + 10;
        } else {
            return -EINVAL;
        }
        c = c * base + d;
    }
    if (c == 0 || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
        return -EINVAL;
    }
    buf_add_utf8(b, c);
    return 0;
}

char *
nfv_xml_unescape(const char *s, size_t len)
{
    struct nfv_buf b = { 0 };
    size_t i = 0;

    buf_reserve(&b, len);
    while (i < len) {
        const char *semi;

        if (s[i] != '&') {
            buf_add(&b, s + i, 1);
            i++;
            continue;
        }
        semi = memchr(s + i, ';', len - i);
        if (!semi || decode_ref(&b, s + i + 1, semi - (s + i + 1)) < 0) {
            nfv_buf_free(&b);
            errno = EINVAL;
            return NULL;
        }
        i = semi - s + 1;
    }
    if (b.err) {
        nfv_buf_free(&b);
        errno = ENOMEM;
        return NULL;
    }
    return b.data;
}

/* XML name characters, as far as our element and libvirt's output go. */
static int
is_name_char(char c)
{
    return isalnum((unsigned char) c) || c == ':' || c == '_' || c == '-'
           || c == '.' || (c & 0x80);
}

char *
nfv_xml_attr(const char *xml, const char *name)
{
    const char *p = xml;

    while (isspace((unsigned char) *p)) {
        p++;
    }
    if (*p++ != '<' || !is_name_char(*p)) {
        errno = EINVAL;
        return NULL;
    }
    while (is_name_char(*p)) {
        p++;
    }
    for (;;) {
        const char *an, *val, *end;
        size_t an_len;
        char quote;

        while (isspace((unsigned char) *p)) {
            p++;
        }
        if (*p == '/' || *p == '>') {
            errno = ENOENT;
            return NULL;
        }
        an = p;
        while (is_name_char(*p)) {
            p++;
        }
        an_len = p - an;
        while (isspace((unsigned char) *p)) {
            p++;
        }
        if (!an_len || *p++ != '=') {
            break;
        }
        while (isspace((unsigned char) *p)) {
            p++;
        }
        quote = *p++;
        if (quote != '"' && quote != '\'') {
            break;
        }
        val = p;
        end = strchr(val, quote);
        if (!end || memchr(val, '<', end - val)) {
            break;
        }
        if (an_len == strlen(name) && !memcmp(an, name, an_len)) {
            return nfv_xml_unescape(val, end - val);
        }
        p = end + 1;
    }
    errno = EINVAL;
    return NULL;
}

/* ---- Base64, names, kernel command line ---- */

void
nfv_base64(struct nfv_buf *b, const void *data, size_t len)
{
    static const char tab[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *p = data;
    size_t i;

    for (i = 0; i + 2 < len; i += 3) {
        char q[4] = {
            tab[p[i] >> 2],
            tab[((p[i] & 3) << 4) | (p[i + 1] >> 4)],
            tab[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)],
            tab[p[i + 2] & 63],
        };
        buf_add(b, q, 4);
    }
    if (i < len) {
        unsigned int b1 = i + 1 < len ? p[i + 1] : 0;
        char q[4] = {
            tab[p[i] >> 2],
            tab[((p[i] & 3) << 4) | (b1 >> 4)],
            i + 1 < len ? tab[(b1 & 15) << 2] : '=',
            '=',
        };
        buf_add(b, q, 4);
    }
    if (buf_reserve(b, 0)) {    /* An empty input still gives "". */
        b->data[b->len] = '\0';
    }
}

int
nfv_virt_name_check(const char *name)
{
    size_t i, n = strlen(name);

    if (n == 0 || n > NFV_VIRT_NAME_MAX || name[0] == '.' || name[0] == '-') {
        return -EINVAL;
    }
    for (i = 0; i < n; i++) {
        if (!isalnum((unsigned char) name[i]) && !strchr("._-", name[i])) {
            return -EINVAL;
        }
    }
    return 0;
}

int
nfv_virt_domain_check(const char *name)
{
    size_t i, n = strlen(name);

    if (n == 0 || n > 31) {
        return -EINVAL;
    }
    for (i = 0; i < n; i++) {
        if (!isalnum((unsigned char) name[i]) && name[i] != '_' && name[i] != '-') {
            return -EINVAL;
        }
    }
    return 0;
}

char *
nfv_virt_cmdline(const char *guest_cmd, const char *append)
{
    struct nfv_buf b = { 0 };

    nfv_buf_printf(&b, "console=ttyS0 panic=-1 nfv.cmd=");
    nfv_base64(&b, guest_cmd, strlen(guest_cmd));
    if (append && *append) {
        nfv_buf_printf(&b, " %s", append);
    }
    if (b.err) {
        nfv_buf_free(&b);
        errno = ENOMEM;
        return NULL;
    }
    if (b.len > NFV_VIRT_CMDLINE_MAX) {
        nfv_buf_free(&b);
        errno = E2BIG;
        return NULL;
    }
    return b.data;
}

/* ---- Domain XML ---- */

/* Appends 'before', 's' escaped, then 'after'. */
static void
add_esc(struct nfv_buf *b, const char *before, const char *s, const char *after)
{
    nfv_buf_printf(b, "%s", before);
    nfv_xml_escape(b, s);
    nfv_buf_printf(b, "%s", after);
}

char *
nfv_vm_xml(const struct nfv_vm_spec *s)
{
    struct nfv_buf b = { 0 };
    int kvm;

    if (!s->name || !s->domain || !s->socket || !s->accel || !s->kernel
        || !s->initrd || !s->cmdline || !s->console || !s->qemu_label
        || !s->nf || !s->memory_mb || !s->cpus || !s->vectors
        || nfv_virt_name_check(s->name) || nfv_virt_domain_check(s->domain)
        || (strcmp(s->accel, "kvm") && strcmp(s->accel, "tcg"))) {
        errno = EINVAL;
        return NULL;
    }
    kvm = !strcmp(s->accel, "kvm");

    nfv_buf_printf(&b, "<domain type='%s'>\n", kvm ? "kvm" : "qemu");
    add_esc(&b, "  <name>" NFV_VIRT_PREFIX, s->name, "</name>\n");
    if (s->uuid) {
        add_esc(&b, "  <uuid>", s->uuid, "</uuid>\n");
    }
    add_esc(&b, "  <title>nfvisor NF VM ", s->name, "</title>\n");
    nfv_buf_printf(&b, "  <metadata>\n"
                   "    <" NFV_VIRT_XMLNS_PREFIX ":vm xmlns:"
                   NFV_VIRT_XMLNS_PREFIX "='" NFV_VIRT_XMLNS "'");
    add_esc(&b, " name='", s->name, "'");
    add_esc(&b, " domain='", s->domain, "'");
    add_esc(&b, " socket='", s->socket, "'");
    add_esc(&b, " accel='", s->accel, "'");
    add_esc(&b, " console='", s->console, "'");
    add_esc(&b, " qemu-user='", s->qemu_label, "'");
    add_esc(&b, " nf='", s->nf, "'/>\n");
    nfv_buf_printf(&b, "  </metadata>\n"
                   "  <memory unit='MiB'>%u</memory>\n"
                   "  <vcpu>%u</vcpu>\n"
                   "  <os>\n"
                   "    <type arch='x86_64' machine='q35'>hvm</type>\n",
                   s->memory_mb, s->cpus);
    add_esc(&b, "    <kernel>", s->kernel, "</kernel>\n");
    add_esc(&b, "    <initrd>", s->initrd, "</initrd>\n");
    add_esc(&b, "    <cmdline>", s->cmdline, "</cmdline>\n");
    nfv_buf_printf(&b, "  </os>\n"
                   "  <features><acpi/><apic/></features>\n");
    if (kvm) {
        nfv_buf_printf(&b, "  <cpu mode='host-passthrough'/>\n");
    }
    /* The guest powers off when its NF ends; nothing restarts it. */
    nfv_buf_printf(&b, "  <on_poweroff>destroy</on_poweroff>\n"
                   "  <on_reboot>destroy</on_reboot>\n"
                   "  <on_crash>destroy</on_crash>\n"
                   "  <devices>\n"
                   "    <controller type='usb' model='none'/>\n"
                   "    <serial type='file'>\n");
    add_esc(&b, "      <source path='", s->console, "'/>\n");
    nfv_buf_printf(&b, "      <target port='0'/>\n"
                   "    </serial>\n");
    add_esc(&b, "    <shmem name='nfv-", s->domain, "'>\n");
    nfv_buf_printf(&b, "      <model type='ivshmem-doorbell'/>\n");
    add_esc(&b, "      <server path='", s->socket, "'/>\n");
    nfv_buf_printf(&b, "      <msi vectors='%u' ioeventfd='on'/>\n"
                   "    </shmem>\n"
                   "    <memballoon model='none'/>\n"
                   "  </devices>\n", s->vectors);
    /* QEMU runs as this user; libvirt changes the owner of nothing (the
     * kernel and the cached images are shared by every VM). */
    add_esc(&b, "  <seclabel type='static' model='dac' relabel='no'>\n"
            "    <label>", s->qemu_label, "</label>\n"
            "  </seclabel>\n");
    nfv_buf_printf(&b, "</domain>\n");
    if (b.err) {
        errno = b.err == -EILSEQ ? EILSEQ : ENOMEM;
        nfv_buf_free(&b);
        return NULL;
    }
    return b.data;
}
