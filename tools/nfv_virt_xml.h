/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The libvirt domain XML of an NF VM, built by hand (no XML library), and
 * the few helpers it needs: a growing string buffer, XML escaping of every
 * value that comes from a user, base64 for the guest's kernel command line,
 * and reading one attribute back from the metadata libvirt returns.
 *
 * Every user-provided string (name, paths, NF command, extra kernel
 * arguments, QEMU's label) goes through nfv_xml_escape(), which also
 * refuses what XML 1.0 cannot carry at all (control characters other than
 * tab, LF and CR; invalid UTF-8), so no value can add elements or
 * attributes to the document.
 */
#ifndef NFV_VIRT_XML_H
#define NFV_VIRT_XML_H

#include <stddef.h>

/** Namespace of nfvisor's element in a domain's <metadata>. */
#define NFV_VIRT_XMLNS "https://nfvisor.org/xmlns/vm/1"
/** Its prefix in the XML we write. */
#define NFV_VIRT_XMLNS_PREFIX "nfv"
/** Prefix of the libvirt name of every VM nfv-virt defines. */
#define NFV_VIRT_PREFIX "nfv-"
/** Longest VM name (without the prefix). */
#define NFV_VIRT_NAME_MAX 48
/** Longest kernel command line we hand to a guest (x86 allows 2048). */
#define NFV_VIRT_CMDLINE_MAX 2000

/** A growing NUL-terminated string.  After an allocation failure every
 *  call is a no-op and 'err' is -ENOMEM. */
struct nfv_buf {
    char *data;                 /* The string (NULL until something is added). */
    size_t len;                 /* strlen(data). */
    size_t cap;                 /* Bytes allocated. */
    int err;                    /* 0, or the first error (-ENOMEM, -EILSEQ). */
};

/** Appends printf-formatted text (not escaped: only for our own text). */
void nfv_buf_printf(struct nfv_buf *b, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/** Frees the buffer's string and empties it. */
void nfv_buf_free(struct nfv_buf *b);

/**
 * Appends @p s escaped for XML character data and attribute values (either
 * quote): & < > " ' become entities, tab, LF and CR character references.
 *
 * @return 0, or -EILSEQ if @p s holds invalid UTF-8 or a character XML 1.0
 *   cannot carry (C0 controls other than tab/LF/CR, U+FFFE, U+FFFF); the
 *   error is also latched in b->err and nothing is appended.
 */
int nfv_xml_escape(struct nfv_buf *b, const char *s);

/**
 * Decodes the entities and character references of @p len bytes of XML
 * text at @p s (the five predefined entities, &#N; and &#xN;).
 *
 * @return a malloc()ed string, or NULL with errno EINVAL (an unknown or
 *   malformed reference, or one that decodes to NUL or beyond U+10FFFF) or
 *   ENOMEM.
 */
char *nfv_xml_unescape(const char *s, size_t len);

/**
 * Returns the value of attribute @p name of the first element in @p xml
 * (a start tag such as libvirt's serialisation of our metadata element),
 * unescaped, or NULL (errno ENOENT: no such attribute; EINVAL: not a
 * well-formed start tag; ENOMEM).  free() it.
 */
char *nfv_xml_attr(const char *xml, const char *name);

/** Appends the base64 (RFC 4648, with padding) of @p len bytes at @p data. */
void nfv_base64(struct nfv_buf *b, const void *data, size_t len);

/** Returns 0 if @p name may name an NF VM (1..NFV_VIRT_NAME_MAX letters,
 *  digits, '.', '_' and '-', not starting with '.' or '-'), else -EINVAL. */
int nfv_virt_name_check(const char *name);

/** Returns 0 if @p name is a valid trust domain name (1..31 letters,
 *  digits, '_' and '-', as nfvisord wants), else -EINVAL. */
int nfv_virt_domain_check(const char *name);

/**
 * Builds the guest's kernel command line: the serial console, panic=-1
 * (a failing /init ends the VM) and the guest command as nfv.cmd=BASE64
 * (see tools/nfv-guest-image), then @p append if not NULL.
 *
 * @return a malloc()ed string, or NULL with errno E2BIG (longer than
 *   NFV_VIRT_CMDLINE_MAX) or ENOMEM.
 */
char *nfv_virt_cmdline(const char *guest_cmd, const char *append);

/** What an NF VM's domain XML is made of. */
struct nfv_vm_spec {
    const char *name;           /* VM name, without NFV_VIRT_PREFIX. */
    const char *uuid;           /* Keep this UUID (redefinition), or NULL. */
    const char *domain;         /* Trust domain name. */
    const char *socket;         /* The domain's attach socket. */
    const char *accel;          /* "kvm" or "tcg". */
    unsigned int memory_mb;     /* Guest memory in MiB. */
    unsigned int cpus;          /* vCPUs. */
    unsigned int vectors;       /* ivshmem doorbell vectors (NFV_VECTORS). */
    const char *kernel;         /* Guest kernel (absolute path). */
    const char *initrd;         /* Guest initramfs (absolute path). */
    const char *cmdline;        /* Kernel command line (nfv_virt_cmdline()). */
    const char *console;        /* Serial console file (absolute path). */
    const char *qemu_label;     /* DAC label QEMU runs under, "USER:GROUP". */
    const char *nf;             /* The NF command, for people (metadata). */
};

/**
 * Builds the domain XML of an NF VM: direct kernel boot, the ivshmem
 * doorbell device on the domain's socket, serial console to a file, no
 * other devices, a static DAC label without relabelling, and nfvisor's
 * metadata element.
 *
 * @return a malloc()ed document, or NULL with errno EINVAL (an accel other
 *   than kvm/tcg, a bad name or domain, a missing field), EILSEQ (a value
 *   XML cannot carry) or ENOMEM.
 */
char *nfv_vm_xml(const struct nfv_vm_spec *spec);

#endif /* NFV_VIRT_XML_H */
