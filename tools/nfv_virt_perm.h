/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Can QEMU open this file?  Under libvirt QEMU runs as an unprivileged user
 * (Debian: libvirt-qemu), and nfv-virt asks libvirt not to change the owner
 * of anything, so the guest's kernel and initramfs must be readable, and
 * nfvisord's attach socket writable, through their modes and the user's
 * groups.  These checks let nfv-virt say so before QEMU fails obscurely.
 * They read permission bits only: POSIX ACLs are not considered, so a
 * "no" is reported as a warning, not an error.
 */
#ifndef NFV_VIRT_PERM_H
#define NFV_VIRT_PERM_H

#include <stddef.h>
#include <sys/types.h>

/** Most supplementary groups considered. */
#define NFV_QEMU_GROUPS_MAX 64

/** The credentials QEMU runs with. */
struct nfv_qemu_cred {
    uid_t uid;                          /* User. */
    gid_t gid;                          /* Group. */
    gid_t groups[NFV_QEMU_GROUPS_MAX];  /* Supplementary groups of the user. */
    int ngroups;                        /* Entries used in 'groups'. */
};

/**
 * Resolves a libvirt DAC label, "USER:GROUP" with names or "+UID:+GID"
 * numbers, and the user's supplementary groups (as libvirt gives them to
 * QEMU).
 *
 * @return 0, -EINVAL (not USER:GROUP) or -ENOENT (unknown user or group).
 */
int nfv_qemu_cred_parse(const char *label, struct nfv_qemu_cred *cred);

/**
 * Checks that @p cred may search every directory leading to @p path (after
 * resolving symbolic links) and has the access @p want (R_OK and/or W_OK)
 * to the file itself.
 *
 * @return 0 if allowed; -EACCES with a one-line reason in @p why (naming
 *   the obstacle, its mode and owner); or -errno if @p path cannot be
 *   resolved (e.g. -ENOENT).
 */
int nfv_qemu_access(const struct nfv_qemu_cred *cred, const char *path,
                    int want, char *why, size_t why_len);

#endif /* NFV_VIRT_PERM_H */
