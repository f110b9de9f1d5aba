/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz.h - helpers shared by the libFuzzer harnesses of tests/fuzz.
 *
 * Each harness decodes its input with a struct fuzz_in cursor (reads past
 * the end give zeros, so every input is a valid one) and checks what the
 * code under test promises with FUZZ_CHECK: a broken promise aborts, which
 * libFuzzer reports as a crash and saves as an artifact, like a memory
 * error found by ASan or UBSan.
 */
#ifndef NFV_FUZZ_H
#define NFV_FUZZ_H

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/** The entry point every harness defines. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/** Abort with the broken invariant when @cond is false. */
#define FUZZ_CHECK(cond, ...)							\
	do {									\
		if (!(cond)) {							\
			fprintf(stderr, "%s:%d: invariant broken: %s: ",	\
				__FILE__, __LINE__, #cond);			\
			fprintf(stderr, __VA_ARGS__);				\
			fputc('\n', stderr);					\
			abort();						\
		}								\
	} while (0)

/** Cursor over a fuzz input. */
struct fuzz_in {
	const uint8_t *p;
	size_t left;
};

/** Copy the next @n bytes into @dst, zero-filling past the end. */
static inline void
fuzz_bytes(struct fuzz_in *in, void *dst, size_t n)
{
	size_t k = n < in->left ? n : in->left;

	memcpy(dst, in->p, k);
	memset((uint8_t *)dst + k, 0, n - k);
	in->p += k;
	in->left -= k;
}

static inline uint8_t
fuzz_u8(struct fuzz_in *in)
{
	uint8_t v;

	fuzz_bytes(in, &v, sizeof(v));
	return v;
}

static inline uint16_t
fuzz_u16(struct fuzz_in *in)
{
	uint16_t v;

	fuzz_bytes(in, &v, sizeof(v));
	return v;
}

static inline uint32_t
fuzz_u32(struct fuzz_in *in)
{
	uint32_t v;

	fuzz_bytes(in, &v, sizeof(v));
	return v;
}

static inline uint64_t
fuzz_u64(struct fuzz_in *in)
{
	uint64_t v;

	fuzz_bytes(in, &v, sizeof(v));
	return v;
}

/**
 * Number of file descriptors open among the first 256: harnesses that
 * pass descriptors around compare it before and after an input to catch
 * leaks.
 */
static inline int
fuzz_open_fds(void)
{
	int fd, n = 0;

	for (fd = 0; fd < 256; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	return n;
}

#endif /* NFV_FUZZ_H */
