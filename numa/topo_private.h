/* numa/topo_private.h - helpers shared by the files of numa/ and nobody else.
 * src/ must not include this: its contract is topo.h.
 *
 * Paths: every file numa/ reads is named by its absolute path on a live
 * machine ("/sys/devices/system/node/online") and read under the topology's
 * root (t->fsroot, "" for the live machine).  A topology whose fsroot starts
 * with "synthetic:" came from an hwloc synthetic description and has no
 * files at all: every read under it fails with -ENOENT.
 */
#ifndef NUMAPOOL_TOPO_PRIVATE_H
#define NUMAPOOL_TOPO_PRIVATE_H

#include "topo.h"
#include "fault.h"   /* NPOOL_FAULT: a constant 0 outside the test-only fault build */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TOPO_SYNTHETIC_PREFIX "synthetic:"

/* True when `t` describes an hwloc synthetic topology (no files behind it). */
bool topo__is_synthetic(const struct topo *t);

/* Read the file `path` (absolute, as on a live machine) under `root` into
 * buf, NUL-terminated (embedded NULs end the text early, as some dumps have
 * them).  Returns the length read, or -errno (-ENOENT when `root` is
 * synthetic).  Sets no error sentence: a missing file is often normal. */
long topo__read(const char *root, const char *path, char *buf, size_t len);

/* Watch the calling thread's reads (topo__read, the hugepage folders)
 * between start and stop: stop returns the errno of the first that failed
 * for another reason than the file's absence or a refused permission
 * (ENOENT, ENOTDIR, EACCES, EPERM mean "not known here"), 0 if none, and
 * copies its path.  A topology build of the live machine fails on it, so
 * that a passing error (EIO, EMFILE, ENOMEM) is not kept for the life of
 * the process. */
void topo__watch_start(void);
int topo__watch_stop(char *path, size_t len);

/* Read one unsigned decimal number from a file; -ENOENT/-EINVAL otherwise. */
int topo__read_u64(const char *root, const char *path, uint64_t *out);

/* True when the directory `path` exists under `root`. */
bool topo__dir_exists(const char *root, const char *path);

/* Walk a kernel list ("0-3,8,10-11", whitespace and a trailing newline
 * allowed), calling fn(lo, hi, arg) per range.  Stops at the first non-zero
 * return of fn and returns it; -EINVAL on malformed text. */
int topo__parse_list(const char *s, int (*fn)(int lo, int hi, void *arg), void *arg);

/* A kernel list into a node set; -EINVAL malformed, -ERANGE node too large. */
int topo__parse_nodelist(const char *s, topo_nodeset_t *out);

/* Per-node facts read from sysfs under t->fsroot; fills what it finds in
 * `n` (memory, hugepages) and leaves the rest.  `single` says the machine
 * has one node and no node folders, so machine-wide files stand for it. */
void topo__sysfs_fill_node(const struct topo *t, struct topo_node *n, bool single);

/* Mems_allowed from <root>/proc/self/status; -ENOENT when absent. */
int topo__read_mems_allowed(const char *root, topo_nodeset_t *out);

/* The nodes a pool may use: online, with memory, in Mems_allowed. */
void topo__usable_nodes(const struct topo *t, topo_nodeset_t *out);

/* Distance from t->node[from_pos] to t->node[to_pos]; INT_MAX when unknown
 * (no matrix, a 0 entry, or from_pos < 0). */
int topo__distance(const struct topo *t, int from_pos, int to_pos);

#ifdef NPOOL_FAULTS
/* Tests of the fault build: drop the live machine's snapshot, so that the
 * next topo_system() builds it again.  No topology of it may be in use. */
void topo__system_forget(void);
#endif

#endif
