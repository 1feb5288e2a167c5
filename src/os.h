/* src/os.h - the contract of src/os_linux.c, the only file that maps memory.
 *
 * pre:/post: lines say what each primitive needs and guarantees.  Every
 * function returns 0 or a negative errno and sets the thread's sentence on
 * failure, except where it says otherwise. */
#ifndef NUMAPOOL_OS_H
#define NUMAPOOL_OS_H

#include <stddef.h>
#include <stdint.h>

enum os_backing { OS_HUGETLB, OS_THP, OS_BASE };

size_t os_base_page_size(void);

/* Reserve `len` bytes of address space aligned to `align` (a power of two),
 * PROT_NONE, committing nothing.  post: *out is aligned; release with os_unmap.
 * On failure nothing stays mapped, unless even the unmap of the whole was
 * refused (the sentence says so, with the address). */
int os_reserve(size_t len, size_t align, void **out);

/* Map anonymous read-write memory over [at, at+len) inside a reservation
 * (MAP_FIXED), MADV_DONTFORK.  pre: at and len are multiples of page_size for
 * hugetlb (page_size is then the hugetlb size; MAP_NORESERVE, so the populate
 * is the authority); THP gets MADV_HUGEPAGE, BASE gets MADV_NOHUGEPAGE.
 * post: nothing is touched yet. */
int os_map_fixed(void *at, size_t len, enum os_backing b, size_t page_size);

/* Put [at, at+len) back to a PROT_NONE reservation (drops the pages). */
int os_unreserve(void *at, size_t len);

/* Anonymous read-write memory anywhere, MADV_DONTFORK, untouched.
 * post: page aligned; release with os_unmap.  On failure nothing stays
 * mapped, unless the unmap was refused (the sentence says so). */
int os_map_anon(size_t len, void **out);

/* munmap; NULL or 0 bytes is a no-op.  Returns 0 or -errno and sets no
 * sentence: the caller is usually reporting an earlier failure. */
int os_unmap(void *addr, size_t len);

/* Fault every page in for writing (MADV_POPULATE_WRITE).  pre: the memory
 * policy is set.  Returns -ENOMEM / -EFAULT (no page to be had: a SIGBUS
 * avoided), -EOPNOTSUPP on kernels before 5.14, -EINVAL for memory that
 * cannot be written (PROT_NONE).  Sets no sentence: the
 * caller knows what it was populating. */
int os_populate(void *addr, size_t len);

/* mlock; on failure the sentence gives RLIMIT_MEMLOCK.  Returns -EAGAIN when
 * the kernel said EAGAIN (pages it could not lock), else -EPERM. */
int os_lock(void *addr, size_t len);

/* What /proc/self/smaps says of the mapping that holds `addr`:
 * KernelPageSize, AnonHugePages and Private_Hugetlb, in bytes. */
struct os_smaps { size_t kernel_page_size, anon_huge_bytes, private_hugetlb_bytes, rss_bytes; };
int os_smaps(const void *addr, struct os_smaps *out);

/* Monotonic clock in nanoseconds. */
uint64_t os_now_ns(void);

#endif
