/**
 * @file numapool.hpp
 * @brief numapool for C++17: an RAII pool, blocks as `std::unique_ptr`,
 * exceptions, and a `std::pmr::memory_resource`.
 *
 * Header-only, over the C functions of numapool.h (link libnumapool as for
 * C: `numapool::numapool` in CMake, `pkg-config --libs numapool`).  The C
 * header's contract holds unchanged: the model, the indices, the thread
 * safety, the inline fast path (off under AddressSanitizer and valgrind,
 * and with a library built with NPOOL_DEBUG >= 2).
 *
 * **Errors.** A call that fails throws numapool::error, a
 * `std::system_error` whose `code()` is the errno value in
 * `std::generic_category()` (compare with `std::errc::invalid_argument`...),
 * whose rc() is the C return value (`-EINVAL`...) and whose `what()` starts
 * with the library's sentence (npool_last_error()), numbers included.
 * Running out of blocks is a state, as in C, not an error: get(),
 * get_on(), get_contig() and get<T>() return a null pointer and
 * get_bulk() returns false when the node has too few free blocks.
 * make_unique() throws (error with `std::errc::not_enough_memory`), as
 * `new` does.  A failed call changes nothing.
 *
 * **Blocks as unique_ptr.** `block_ptr<T>` is `std::unique_ptr<T,
 * block_deleter<T>>`; its deleter destroys the object (not for arrays) and
 * puts the block back into its pool.
 *   - `get<T>()`: raw storage for one `T`, `get<T[]>()`: the whole block as
 *     an array of capacity<T>() elements.  T must be trivially default
 *     constructible and trivially destructible (doubles, ints, PODs); its
 *     value is whatever the block held (zeroes with NPOOL_ZERO).
 *   - `make_unique<T>(args...)`: constructs a T in a block; ~T runs on
 *     release.  If T's constructor throws, the block goes back first.
 * T must fit: `sizeof(T)` up to block_size() and `alignof(T)` up to align(),
 * or the call throws `std::errc::invalid_argument`.  A block_ptr must not
 * outlive its pool (the deleter keeps the C pool, not the pool object, so
 * moving the pool object is fine).  A put refused by the deleter (the block
 * was already given back by hand, or the pool was reset) cannot throw from
 * a destructor: it is counted in npool_stats().refused_puts and its sentence
 * is npool_last_error().
 *
 * **pool_resource.** A `std::pmr::memory_resource` over a pool: requests of
 * up to block_size() bytes with an alignment up to align() take a block;
 * larger ones, more aligned ones, and any request while the caller's node
 * is empty go to the upstream resource (`std::pmr::get_default_resource()`
 * unless given).  Deallocation sends each pointer back where it came from:
 * npool_index() tells a block of the pool, anything else is the upstream's.
 * Thread-safe as the pool is (unlike `std::pmr::unsynchronized_pool_resource`,
 * every thread may share one).  The pool and the upstream must outlive
 * the resource and everything allocated from it.
 */
#ifndef NUMAPOOL_HPP
#define NUMAPOOL_HPP

#include <numapool.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <memory_resource>
#include <new>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>

namespace numapool {

/** What every failing call throws: the C return value, its errno as a
 *  `std::error_code`, and the library's sentence first in `what()`. */
class error : public std::system_error {
public:
    /** `rc`: the negative errno the C call returned; `sentence`: what failed and why. */
    error(int rc, const std::string &sentence)
        : std::system_error(std::error_code(-rc, std::generic_category()), sentence), rc_(rc) {}
    /** The C return value: `-EINVAL`, `-ENOMEM`, `-EALREADY`... */
    int rc() const noexcept { return rc_; }

private:
    int rc_;
};

namespace detail {
[[noreturn]] inline void throw_last(int rc) { throw error(rc, npool_last_error()); }
inline int check(int rc)
{
    if (rc < 0)
        throw_last(rc);
    return rc;
}
/* A NULL from a C get: nullptr when errno says "empty" (ENOMEM), else throw. */
inline void *null_or_throw(void *block)
{
    if (!block && errno != ENOMEM)
        throw_last(-(errno ? errno : EINVAL));
    return block;
}
} // namespace detail

/** npool_config_t with owned strings.  Zero or empty means the default, as in C. */
struct config {
    std::size_t block_size = 0;           /**< bytes per block, > 0 */
    std::size_t block_count = 0;          /**< blocks per node, > 0 */
    std::size_t align = 0;                /**< power of two up to the base page size; 0 = 64 */
    std::string nodes;                    /**< numactl syntax; "" = "local" */
    npool_pages pages = NPOOL_PAGES_AUTO; /**< what backs the arenas */
    unsigned flags = 0;                   /**< `enum npool_flags`, or-ed */
    double coalesce_threshold = 0;        /**< percent; 0 = 20 */
    std::string name;                     /**< "" = "npool" */
    std::size_t page_size = 0;            /**< with NPOOL_PAGES_HUGETLB */

    /** The C config; its strings point into this object. */
    npool_config_t c_config() const noexcept
    {
        npool_config_t c{};
        c.block_size = block_size;
        c.block_count = block_count;
        c.align = align;
        c.nodes = nodes.empty() ? nullptr : nodes.c_str();
        c.pages = pages;
        c.flags = flags;
        c.coalesce_threshold = coalesce_threshold;
        c.name = name.empty() ? nullptr : name.c_str();
        c.page_size = page_size;
        return c;
    }
};

/** Destroys the object (not for arrays) and puts its block back. */
template <class T>
struct block_deleter {
    npool_t *pool = nullptr; /**< the C pool the block goes back to */
    /** ~T(), then npool_put(); a refused put is counted, not thrown (see the file comment). */
    void operator()(T *p) const noexcept
    {
        p->~T();
        (void)npool_put(pool, const_cast<void *>(static_cast<const void *>(p)));
    }
};
/** For `block_ptr<T[]>`: the elements are trivial, only the block goes back. */
template <class T>
struct block_deleter<T[]> {
    npool_t *pool = nullptr; /**< the C pool the block goes back to */
    /** npool_put() of the block; a refused put is counted, not thrown. */
    void operator()(T *p) const noexcept
    {
        (void)npool_put(pool, const_cast<void *>(static_cast<const void *>(p)));
    }
};

/** A block holding a T (or, for T = U[], an array of U) that goes back to its pool when released. */
template <class T>
using block_ptr = std::unique_ptr<T, block_deleter<T>>;

/** An RAII npool_t: move-only; the destructor calls npool_destroy (every
 *  block goes, held or not).  A default-constructed or moved-from pool holds
 *  nothing: calls on it throw `std::errc::invalid_argument`. */
class pool {
public:
    /** npool_index()'s "not a block". */
    static constexpr std::size_t npos = SIZE_MAX;

    pool() noexcept = default;
    /** npool_create(); throws error with its return value and sentence. */
    explicit pool(const npool_config_t &cfg)
    {
        detail::check(npool_create(&cfg, &p_));
        auto s = std::make_unique<npool_stats_t>();   // 25 KiB: not on the stack
        int rc = npool_stats(p_, s.get());
        if (rc < 0) {
            npool_destroy(p_);
            detail::throw_last(rc);
        }
        block_size_ = s->block_size;
        align_ = s->align;
        stride_ = s->stride;
    }
    /** The same from a numapool::config. */
    explicit pool(const config &cfg) : pool(cfg.c_config()) {}
    /** Takes `o`'s pool; `o` holds nothing afterwards. */
    pool(pool &&o) noexcept
        : p_(std::exchange(o.p_, nullptr)), block_size_(std::exchange(o.block_size_, 0)),
          align_(std::exchange(o.align_, 0)), stride_(std::exchange(o.stride_, 0)) {}
    /** Destroys this pool's own (every block goes), then takes `o`'s. */
    pool &operator=(pool &&o) noexcept
    {
        if (this != &o) {
            npool_destroy(p_);
            p_ = std::exchange(o.p_, nullptr);
            block_size_ = std::exchange(o.block_size_, 0);
            align_ = std::exchange(o.align_, 0);
            stride_ = std::exchange(o.stride_, 0);
        }
        return *this;
    }
    pool(const pool &) = delete;
    pool &operator=(const pool &) = delete;
    ~pool() { npool_destroy(p_); }

    /** The C pool, for the C functions; nullptr when empty. */
    npool_t *native() const noexcept { return p_; }
    /** True when the object holds a pool. */
    explicit operator bool() const noexcept { return p_ != nullptr; }
    /** Give up ownership: the caller calls npool_destroy. */
    npool_t *release() noexcept
    {
        block_size_ = align_ = stride_ = 0;
        return std::exchange(p_, nullptr);
    }
    std::size_t block_size() const noexcept { return block_size_; } /**< bytes per block, as configured */
    std::size_t align() const noexcept { return align_; }           /**< every block's alignment */
    std::size_t stride() const noexcept { return stride_; }         /**< bytes from one block to the next */
    /** How many T one block holds. */
    template <class T>
    std::size_t capacity() const noexcept { return block_size_ / sizeof(T); }

    /* ---- raw blocks, as in C ---- */

    /** npool_get(): a block from the caller's node; nullptr when it is empty. */
    void *get()
    {
        void *b = npool_get(p_);
        return b ? b : detail::null_or_throw(b);
    }
    /** npool_get_on(): nullptr when that node is empty; throws when the pool has no arena there. */
    void *get_on(int node) { return detail::null_or_throw(npool_get_on(p_, node)); }
    /** npool_put(); throws on a foreign or interior pointer (EINVAL) or a double put (EALREADY). */
    void put(void *blk) { detail::check(npool_put(p_, blk)); }
    /** npool_get_bulk(): all n or nothing; false when fewer than n are free. */
    bool get_bulk(void **blocks, std::size_t n)
    {
        int rc = npool_get_bulk(p_, blocks, n);
        if (rc == -ENOMEM)
            return false;
        detail::check(rc);
        return true;
    }
    /** npool_put_bulk(): all or nothing. */
    void put_bulk(void *const *blocks, std::size_t n) { detail::check(npool_put_bulk(p_, blocks, n)); }
    /** npool_get_contig(): the first of n adjacent blocks; nullptr when no such run is free. */
    void *get_contig(std::size_t n) { return detail::null_or_throw(npool_get_contig(p_, n)); }
    /** npool_put_contig(). */
    void put_contig(void *first, std::size_t n) { detail::check(npool_put_contig(p_, first, n)); }
    /** npool_index(): npos when `blk` is not the start of a block of this pool. */
    std::size_t index(const void *blk) const noexcept { return npool_index(p_, blk); }
    /** npool_block(): the block at `idx`; throws when out of range. */
    void *block(std::size_t idx) const { return detail::null_or_throw(npool_block(p_, idx)); }
    /** npool_put_index(): the seed's return_block(idx). */
    void put_index(std::size_t idx) { detail::check(npool_put_index(p_, idx)); }

    /* ---- typed blocks ---- */

    /** Raw storage for a T (T = U[]: the block as capacity<U>() U's), given
     *  back on release; a null block_ptr when the caller's node is empty. */
    template <class T>
    block_ptr<T> get()
    {
        using E = std::remove_extent_t<T>;
        static_assert(std::extent_v<T> == 0, "get<T[]>() takes T[] without a bound: the block decides the count");
        static_assert(std::is_trivially_default_constructible_v<E> && std::is_trivially_destructible_v<E>,
                      "get<T>() hands out raw storage; use make_unique<T>(args...) for a T with a constructor "
                      "or a destructor");
        fits<E>("get");
        void *b = get();
        if (!b)
            return block_ptr<T>(nullptr, block_deleter<T>{p_});
        if constexpr (std::is_array_v<T>) {
            // trivial elements in raw storage, as from malloc (implicit lifetime)
            return block_ptr<T>(static_cast<E *>(b), block_deleter<T>{p_});
        } else {
            return block_ptr<T>(::new (b) T, block_deleter<T>{p_});
        }
    }

    /** A T constructed in a block from `args`; throws error (ENOMEM) when
     *  the caller's node is empty, and what T's constructor throws (the
     *  block goes back first). */
    template <class T, class... Args>
    block_ptr<T> make_unique(Args &&...args)
    {
        static_assert(!std::is_array_v<T>, "make_unique<T[]> is not offered: use get<T[]>() for trivial arrays");
        fits<T>("make_unique");
        void *b = get();
        if (!b)
            detail::throw_last(-ENOMEM);
        try {
            return block_ptr<T>(::new (b) T(std::forward<Args>(args)...), block_deleter<T>{p_});
        } catch (...) {
            (void)npool_put(p_, b);
            throw;
        }
    }

    /** The deleter block_ptr's of this pool carry (to adopt a block got by hand). */
    template <class T>
    block_deleter<T> deleter() const noexcept { return block_deleter<T>{p_}; }

    /* ---- the rest of numapool.h ---- */

    /** npool_coalesce(). */
    void coalesce() { detail::check(npool_coalesce(p_)); }
    /** npool_fragmentation(): percent, 0 for an empty object. */
    double fragmentation() const noexcept { return npool_fragmentation(p_); }
    /** npool_efficiency(): percent of blocks held, 0 for an empty object. */
    double efficiency() const noexcept { return npool_efficiency(p_); }
    /** npool_reset(): not thread-safe, and every block_ptr of the pool must be released or forgotten first. */
    void reset() { detail::check(npool_reset(p_)); }
    /** npool_check(): throws error (EFAULT) naming the first broken invariant. */
    void check() const { detail::check(npool_check(p_)); }
    /** npool_stats(): totals and one row per node. */
    npool_stats_t stats() const
    {
        npool_stats_t s;
        detail::check(npool_stats(p_, &s));
        return s;
    }
    /** npool_describe(), the seed's repr. */
    std::string describe() const
    {
        int n = detail::check(npool_describe(p_, nullptr, 0));
        std::string s(static_cast<std::size_t>(n), '\0');
        npool_describe(p_, s.data(), s.size() + 1);
        return s;
    }
    /** npool_foreach_arena(): f(void *base, std::size_t len, int node,
     *  std::size_t page_size) for each arena in ascending node order.  When f
     *  returns an int, a non-zero value stops the walk and is returned; an
     *  exception from f stops it and is rethrown. */
    template <class F>
    int foreach_arena(F &&f) const
    {
        struct ctx_t {
            std::remove_reference_t<F> *fn;
            std::exception_ptr ex;
        } ctx{&f, nullptr};
        auto tramp = [](void *base, std::size_t len, int node, std::size_t page_size, void *arg) -> int {
            auto *c = static_cast<ctx_t *>(arg);
            try {
                if constexpr (std::is_void_v<decltype((*c->fn)(base, len, node, page_size))>) {
                    (*c->fn)(base, len, node, page_size);
                    return 0;
                } else {
                    return static_cast<int>((*c->fn)(base, len, node, page_size));
                }
            } catch (...) {
                c->ex = std::current_exception();
                return -1;
            }
        };
        int rc = npool_foreach_arena(p_, tramp, &ctx);
        if (ctx.ex)
            std::rethrow_exception(ctx.ex);
        if (!p_)
            detail::throw_last(rc);
        return rc;
    }

private:
    template <class E>
    void fits(const char *who) const
    {
        if (!p_)
            throw error(-EINVAL, std::string("numapool::pool::") + who +
                                     ": the pool holds nothing (default-constructed, moved from or released)");
        if (sizeof(E) > block_size_ || alignof(E) > align_)
            throw error(-EINVAL, std::string("numapool::pool::") + who + ": a type of " + std::to_string(sizeof(E)) +
                                     " bytes aligned to " + std::to_string(alignof(E)) + " does not fit blocks of " +
                                     std::to_string(block_size_) + " bytes aligned to " + std::to_string(align_));
    }

    npool_t *p_ = nullptr;
    std::size_t block_size_ = 0, align_ = 0, stride_ = 0;
};

/** A `std::pmr::memory_resource` over a pool: see the file comment.
 *  Copies are equal; two resources are equal (do_is_equal) when they serve
 *  the same pool and their upstreams are equal, since then either can
 *  deallocate what the other allocated.  Built without RTTI (-fno-rtti), a
 *  resource is equal only to itself. */
class pool_resource : public std::pmr::memory_resource {
public:
    /** Serves from `p`'s pool (the C pool: moving `p` later is fine), the rest from `upstream`. */
    explicit pool_resource(const pool &p,
                           std::pmr::memory_resource *upstream = std::pmr::get_default_resource()) noexcept
        : pool_(p.native()), block_size_(p.block_size()), align_(p.align()), upstream_(upstream) {}

    /** The C pool it serves from. */
    npool_t *native_pool() const noexcept { return pool_; }
    /** Where larger, more aligned and overflowing requests go. */
    std::pmr::memory_resource *upstream_resource() const noexcept { return upstream_; }
    /** True when `p` is a block of the pool (and was served from it). */
    bool owns(const void *p) const noexcept { return npool_index(pool_, p) != SIZE_MAX; }

protected:
    /** A block when `bytes` and `alignment` fit and the caller's node has one; else the upstream's. */
    void *do_allocate(std::size_t bytes, std::size_t alignment) override
    {
        if (bytes <= block_size_ && alignment <= align_ && pool_) {
            if (void *b = npool_get(pool_))
                return b;
        }
        return upstream_->allocate(bytes, alignment);
    }
    /** Back to the pool when `p` is one of its blocks, else to the upstream. */
    void do_deallocate(void *p, std::size_t bytes, std::size_t alignment) override
    {
        if (owns(p))
            (void)npool_put(pool_, p);   // refused only after a reset or a double free: counted in refused_puts
        else
            upstream_->deallocate(p, bytes, alignment);
    }
    /** Equal when serving the same pool with equal upstreams (with RTTI; without, only itself). */
    bool do_is_equal(const std::pmr::memory_resource &other) const noexcept override
    {
        if (this == &other)
            return true;
#if defined(__GXX_RTTI) || defined(_CPPRTTI)
        auto *o = dynamic_cast<const pool_resource *>(&other);
        return o && o->pool_ == pool_ && upstream_->is_equal(*o->upstream_);
#else
        return false;   // without RTTI another resource's type cannot be told: only itself is equal
#endif
    }

private:
    npool_t *pool_;
    std::size_t block_size_, align_;
    std::pmr::memory_resource *upstream_;
};

} // namespace numapool

#endif /* NUMAPOOL_HPP */
