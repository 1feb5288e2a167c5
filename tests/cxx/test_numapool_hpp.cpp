/* tests/cxx/test_numapool_hpp.cpp - include/numapool.hpp against the library:
 * the RAII pool and its moves, blocks as unique_ptr going back, the
 * exceptions and their sentences, the thin wrappers, and pool_resource
 * serving std::pmr containers from the pool and everything else from a
 * counting upstream.  Plain checks (no cmocka: its longjmp would skip C++
 * destructors); exit 0 when every check passes. */
#include <numapool.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <list>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

static int failures, passes;

#define CHECK(cond)                                                                                        \
    do {                                                                                                   \
        if (cond) {                                                                                        \
            passes++;                                                                                      \
        } else {                                                                                           \
            failures++;                                                                                    \
            std::printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);                                    \
        }                                                                                                  \
    } while (0)

/* Run f, which must throw numapool::error with errno `code`; returns its what(). */
template <class F>
static std::string expect_error(F &&f, std::errc code, int line)
{
    try {
        f();
    } catch (const numapool::error &e) {
        if (e.code() != std::make_error_code(code) || e.rc() != -e.code().value()) {
            failures++;
            std::printf("FAIL line %d: error %d (%s), expected %d\n", line, e.rc(), e.what(),
                        std::make_error_code(code).value());
        } else {
            passes++;
        }
        return e.what();
    } catch (const std::exception &e) {
        failures++;
        std::printf("FAIL line %d: threw something else: %s\n", line, e.what());
        return "";
    }
    failures++;
    std::printf("FAIL line %d: did not throw\n", line);
    return "";
}
#define EXPECT_ERROR(code, ...) expect_error([&] { __VA_ARGS__; }, code, __LINE__)

static bool contains(const std::string &s, const char *part) { return s.find(part) != std::string::npos; }

static numapool::config seed_config(const char *name)
{
    numapool::config c;
    c.block_size = 100 * sizeof(double);
    c.block_count = 20;
    c.name = name;
    return c;
}

static_assert(!std::is_copy_constructible_v<numapool::pool> && !std::is_copy_assignable_v<numapool::pool>,
              "a pool is not copyable");
static_assert(std::is_nothrow_move_constructible_v<numapool::pool> && std::is_nothrow_move_assignable_v<numapool::pool>,
              "a pool moves without throwing");

static void test_moves()
{
    numapool::pool a(seed_config("moves"));
    npool_t *c_pool = a.native();
    CHECK(c_pool != nullptr && a && a.block_size() == 800 && a.align() == 64 && a.stride() == 832);
    auto blk = a.get<double[]>();
    CHECK(a.index(blk.get()) == 0);

    numapool::pool b(std::move(a));
    CHECK(!a && a.native() == nullptr && a.block_size() == 0);
    CHECK(b.native() == c_pool && b.block_size() == 800);
    CHECK(b.efficiency() == 5.0);   // the block got through `a` is still held, now of `b`

    numapool::pool c;
    CHECK(!c);
    c = std::move(b);
    CHECK(!b && c.native() == c_pool);
    blk.reset();                     // the deleter kept the C pool: the block goes back to `c`
    CHECK(c.efficiency() == 0.0);

    numapool::pool d(seed_config("other"));
    npool_t *other = d.native();
    d = std::move(c);                // d's own pool is destroyed, c's taken over
    CHECK(d.native() == c_pool && d.native() != other);
    numapool::pool &alias = d;
    d = std::move(alias);            // self-move keeps the pool
    CHECK(d.native() == c_pool);

    // a moved-from pool holds nothing: calls throw, with the library's sentence
    std::string what = EXPECT_ERROR(std::errc::invalid_argument, (void)a.get());
    CHECK(contains(what, "NULL"));
    what = EXPECT_ERROR(std::errc::invalid_argument, (void)a.get<double[]>());
    CHECK(contains(what, "holds nothing"));
    EXPECT_ERROR(std::errc::invalid_argument, a.coalesce());
    EXPECT_ERROR(std::errc::invalid_argument, a.foreach_arena([](void *, std::size_t, int, std::size_t) {}));

    npool_t *raw = d.release();
    CHECK(!d && raw == c_pool);
    npool_destroy(raw);
}

struct counted {
    static inline int alive = 0;
    std::string text;
    double values[16];
    explicit counted(const char *t, bool fail = false) : text(t), values{}
    {
        if (fail)
            throw std::runtime_error("constructor refused");
        alive++;
    }
    ~counted() { alive--; }
};
struct too_big { char bytes[801]; };
struct alignas(128) over_aligned { double x; };
struct point { double x, y, z; };

static void test_blocks()
{
    numapool::pool p(seed_config("blocks"));
    CHECK(p.capacity<double>() == 100 && p.capacity<point>() == 33);

    // the seed: two blocks of 100 doubles, efficiency 10.0, back to 0.0
    numapool::block_ptr<double[]> a = p.get<double[]>();
    numapool::block_ptr<double[]> b = p.get<double[]>();
    CHECK(a && b && p.index(a.get()) == 0 && p.index(b.get()) == 1);
    for (int i = 0; i < 100; i++)
        a[i] = i * 0.5, b[i] = -i;
    CHECK(static_cast<double *>(p.block(0))[99] == 49.5 && static_cast<double *>(p.block(1))[99] == -99);
    CHECK(p.efficiency() == 10.0);
    a.reset();
    CHECK(p.efficiency() == 5.0);
    b = nullptr;
    CHECK(p.efficiency() == 0.0);

    // one trivial object
    {
        numapool::block_ptr<point> pt = p.get<point>();
        pt->x = 1, pt->y = 2, pt->z = 3;
        CHECK(pt && p.index(pt.get()) != numapool::pool::npos && p.efficiency() == 5.0);
    }
    CHECK(p.efficiency() == 0.0);

    // make_unique constructs and destroys
    {
        auto c1 = p.make_unique<counted>("first");
        auto c2 = p.make_unique<counted>("second");
        CHECK(counted::alive == 2 && c1->text == "first" && c2->text == "second" && p.efficiency() == 10.0);
        c1.reset();
        CHECK(counted::alive == 1 && p.efficiency() == 5.0);
        std::vector<numapool::block_ptr<counted>> moved;
        moved.push_back(std::move(c2));
        CHECK(counted::alive == 1 && p.efficiency() == 5.0);
    }
    CHECK(counted::alive == 0 && p.efficiency() == 0.0);
    // a throwing constructor: the block goes back, the exception comes through
    bool threw = false;
    try {
        (void)p.make_unique<counted>("x", true);
    } catch (const std::runtime_error &e) {
        threw = std::strcmp(e.what(), "constructor refused") == 0;
    }
    CHECK(threw && counted::alive == 0 && p.efficiency() == 0.0);

    // types that do not fit are refused with the numbers, and nothing is taken
    std::string what = EXPECT_ERROR(std::errc::invalid_argument, (void)p.get<too_big>());
    CHECK(contains(what, "801 bytes") && contains(what, "blocks of 800 bytes"));
    what = EXPECT_ERROR(std::errc::invalid_argument, (void)p.make_unique<over_aligned>());
    CHECK(contains(what, "aligned to 128") && contains(what, "aligned to 64"));
    CHECK(p.efficiency() == 0.0);

    // an empty node: get<T> gives null, make_unique throws ENOMEM with the library's sentence
    std::vector<numapool::block_ptr<double[]>> all;
    for (;;) {
        auto blk = p.get<double[]>();
        if (!blk)
            break;
        all.push_back(std::move(blk));
    }
    CHECK(all.size() == 20 && p.efficiency() == 100.0);
    what = EXPECT_ERROR(std::errc::not_enough_memory, (void)p.make_unique<counted>("none"));
    CHECK(contains(what, "no free block"));
    CHECK(p.get() == nullptr);
    all.clear();
    CHECK(p.efficiency() == 0.0);

    // the deleter after a reset: the put is refused and counted, nothing thrown
    auto late = p.get<double[]>();
    p.reset();
    late.reset();
    CHECK(p.stats().refused_puts == 1 && p.efficiency() == 0.0);
}

static void test_errors()
{
    // the constructor carries npool_create's code and sentence
    numapool::config bad = seed_config("bad");
    bad.block_size = 0;
    std::string what = EXPECT_ERROR(std::errc::invalid_argument, numapool::pool p(bad));
    CHECK(!what.empty() && contains(what, npool_last_error()) && what.rfind(npool_last_error(), 0) == 0);
    std::printf("bad config: %s\n", what.c_str());
    numapool::config far = seed_config("far");
    far.nodes = "63";
    what = EXPECT_ERROR(std::errc::no_such_device, numapool::pool p(far));
    CHECK(contains(what, "63"));

    numapool::pool p(seed_config("errors"));
    void *blk = p.get();
    CHECK(p.index(blk) == 0);
    p.put(blk);
    what = EXPECT_ERROR(std::errc::connection_already_in_progress, p.put(blk));   // EALREADY
    CHECK(contains(what, "already free"));
    std::printf("double put: %s\n", what.c_str());
    int local = 0;
    what = EXPECT_ERROR(std::errc::invalid_argument, p.put(&local));
    CHECK(p.index(&local) == numapool::pool::npos);
    EXPECT_ERROR(std::errc::invalid_argument, p.put_index(20));
    EXPECT_ERROR(std::errc::invalid_argument, (void)p.block(20));
    EXPECT_ERROR(std::errc::invalid_argument, (void)p.get_on(NPOOL_MAX_NODES + 1));
    EXPECT_ERROR(std::errc::invalid_argument, (void)p.get_contig(0));
    CHECK(p.efficiency() == 0.0);
}

static void test_wrappers()
{
    numapool::config c;
    c.block_size = 100;
    c.block_count = 16;
    c.pages = NPOOL_PAGES_BASE;
    c.flags = NPOOL_NO_CACHE;
    c.name = "wrappers";
    numapool::pool p(c);
    npool_stats_t s = p.stats();
    CHECK(s.block_size == 100 && s.stride == 128 && s.blocks_total == 16 && s.nnodes >= 1);
    int node = s.nodes[0].node;

    void *b = p.get_on(node);
    CHECK(p.index(b) == 0);
    p.put(b);
    void *blocks[5];
    CHECK(p.get_bulk(blocks, 5));
    CHECK(p.index(blocks[0]) == 0 && p.index(blocks[4]) == 4);
    void *more[17];
    CHECK(!p.get_bulk(more, 17));   // too few: nothing taken
    void *run = p.get_contig(4);
    CHECK(p.index(run) == 5 && p.get_contig(8) == nullptr);
    CHECK(p.efficiency() == 100.0 * 9 / 16);
    p.put_contig(run, 4);
    p.put_bulk(blocks, 5);
    CHECK(p.efficiency() == 0.0);

    b = p.get();
    void *b1 = p.get();
    p.put_index(p.index(b));
    CHECK(p.fragmentation() > 0.0);   // block 0 free, 1 held, 2..15 free: two runs
    p.put(b1);
    p.coalesce();
    CHECK(p.fragmentation() == 0.0);
    p.check();
    std::string text = p.describe();
    CHECK(contains(text, "wrappers") && contains(text, "16 blocks"));
    std::printf("%s\n", text.c_str());

    std::size_t mapped = 0, arenas = 0;
    CHECK(p.foreach_arena([&](void *base, std::size_t len, int n, std::size_t page) {
        arenas++;
        mapped += len;
        CHECK(base != nullptr && n == node && page >= 4096);
    }) == 0);
    CHECK(arenas == s.nnodes && mapped == s.bytes_mapped);
    CHECK(p.foreach_arena([](void *, std::size_t, int, std::size_t) { return 7; }) == 7);
    bool rethrown = false;
    try {
        p.foreach_arena([](void *, std::size_t, int, std::size_t) -> int { throw std::out_of_range("from f"); });
    } catch (const std::out_of_range &e) {
        rethrown = std::strcmp(e.what(), "from f") == 0;
    }
    CHECK(rethrown);

    b = p.get();
    p.reset();
    CHECK(p.efficiency() == 0.0 && p.index(p.get()) == 0);

    // a C config works too
    npool_config_t cc{};
    cc.block_size = 64;
    cc.block_count = 8;
    numapool::pool q(cc);
    CHECK(q.block_size() == 64 && q.stats().blocks_total == 8);
}

/* An upstream that counts, and remembers what it handed out. */
class counting_resource : public std::pmr::memory_resource {
public:
    std::atomic<long> allocs{0}, deallocs{0};
    std::mutex lock;
    std::set<void *> live;

private:
    void *do_allocate(std::size_t bytes, std::size_t alignment) override
    {
        void *p = std::pmr::new_delete_resource()->allocate(bytes, alignment);
        allocs++;
        std::lock_guard<std::mutex> g(lock);
        live.insert(p);
        return p;
    }
    void do_deallocate(void *p, std::size_t bytes, std::size_t alignment) override
    {
        {
            std::lock_guard<std::mutex> g(lock);
            if (live.erase(p) != 1)
                std::printf("FAIL: upstream asked to free %p, which it never gave\n", p);
        }
        deallocs++;
        std::pmr::new_delete_resource()->deallocate(p, bytes, alignment);
    }
    bool do_is_equal(const std::pmr::memory_resource &o) const noexcept override { return this == &o; }
};

/* Sits between a container and the resource under test, keeping every live allocation. */
class recording_resource : public std::pmr::memory_resource {
public:
    explicit recording_resource(std::pmr::memory_resource *next) : next_(next) {}
    std::vector<void *> live;

private:
    void *do_allocate(std::size_t bytes, std::size_t alignment) override
    {
        void *p = next_->allocate(bytes, alignment);
        live.push_back(p);
        return p;
    }
    void do_deallocate(void *p, std::size_t bytes, std::size_t alignment) override
    {
        live.erase(std::find(live.begin(), live.end(), p));
        next_->deallocate(p, bytes, alignment);
    }
    bool do_is_equal(const std::pmr::memory_resource &o) const noexcept override { return this == &o; }
    std::pmr::memory_resource *next_;
};

static void test_resource()
{
    numapool::config c;
    c.block_size = 64;
    c.block_count = 64;
    c.name = "pmr";
    numapool::pool p(c);
    counting_resource up;
    numapool::pool_resource res(p, &up);
    CHECK(res.native_pool() == p.native() && res.upstream_resource() == &up);

    // a list's nodes fit a block: every node is a block of the pool
    {
        recording_resource rec(&res);
        std::pmr::list<long> l(&rec);
        for (long i = 0; i < 40; i++)
            l.push_back(i);
        CHECK(rec.live.size() == 40 && up.allocs == 0);
        bool all_blocks = true;
        for (void *node : rec.live)
            all_blocks = all_blocks && p.index(node) != numapool::pool::npos && res.owns(node);
        CHECK(all_blocks);
        CHECK(p.stats().blocks_held == 40);
        l.erase(l.begin());
        CHECK(p.stats().blocks_held == 39);
    }
    CHECK(p.efficiency() == 0.0 && up.allocs == 0);

    // a vector: while its buffer fits a block it is one; once it grows past, the upstream serves it
    {
        std::pmr::vector<std::int32_t> v(&res);
        v.reserve(16);   // 64 bytes: a block
        CHECK(p.index(v.data()) != numapool::pool::npos && up.allocs == 0 && p.stats().blocks_held == 1);
        v.resize(17);    // 68 bytes and more: upstream; the block went back
        CHECK(p.index(v.data()) == numapool::pool::npos && up.allocs == 1 && p.stats().blocks_held == 0);
        CHECK(up.live.count(v.data()) == 1);
    }
    CHECK(up.allocs == 1 && up.deallocs == 1 && up.live.empty());

    // more alignment than the pool's: upstream, with the alignment asked for
    void *aligned = res.allocate(16, 128);
    CHECK(p.index(aligned) == numapool::pool::npos && reinterpret_cast<std::uintptr_t>(aligned) % 128 == 0);
    CHECK(up.allocs == 2);
    res.deallocate(aligned, 16, 128);
    CHECK(up.deallocs == 2);
    void *exact = res.allocate(64, 64);
    CHECK(p.index(exact) != numapool::pool::npos && up.allocs == 2);
    res.deallocate(exact, 64, 64);

    // an empty pool: every request goes upstream, and comes back there
    std::vector<void *> held(64);
    CHECK(p.get_bulk(held.data(), held.size()));
    void *spill = res.allocate(8, 8);
    CHECK(p.index(spill) == numapool::pool::npos && up.allocs == 3 && up.live.count(spill) == 1);
    p.put_bulk(held.data(), held.size());
    void *again = res.allocate(8, 8);   // blocks free again: the pool serves it
    CHECK(p.index(again) != numapool::pool::npos && up.allocs == 3);
    res.deallocate(spill, 8, 8);
    res.deallocate(again, 8, 8);
    CHECK(up.deallocs == 3 && up.live.empty() && p.efficiency() == 0.0);

    // equality: same pool and equal upstreams
    numapool::pool_resource same(p, &up), copy = res;
    counting_resource other_up;
    numapool::pool_resource other_upstream(p, &other_up);
    numapool::pool q(c);
    numapool::pool_resource other_pool(q, &up);
    CHECK(res == same && res == copy && res.is_equal(same));
    CHECK(res != other_upstream && res != other_pool && !res.is_equal(up));
    std::pmr::vector<int> v1({1, 2}, &res);
    std::pmr::vector<int> v2(std::move(v1), &same);   // equal resources: the buffer moves, not copied
    CHECK(p.index(v2.data()) != numapool::pool::npos && p.stats().blocks_held == 1);

    // the default upstream
    numapool::pool_resource dflt(p);
    CHECK(dflt.upstream_resource() == std::pmr::get_default_resource());
}

/* Two threads share one resource: every allocation is served (pool or upstream) and all of it comes back. */
static void test_resource_threads()
{
    numapool::config c;
    c.block_size = 32;
    c.block_count = 256;
    numapool::pool p(c);
    counting_resource up;
    numapool::pool_resource res(p, &up);
    std::atomic<long> from_pool{0};
    auto work = [&] {
        std::vector<void *> mine;
        for (int round = 0; round < 200; round++) {
            for (int i = 0; i < 20; i++) {
                void *m = res.allocate(24, 8);
                std::memset(m, round, 24);
                from_pool += p.index(m) != numapool::pool::npos;
                mine.push_back(m);
            }
            for (void *m : mine)
                res.deallocate(m, 24, 8);
            mine.clear();
        }
    };
    std::thread t1(work), t2(work);
    t1.join();
    t2.join();
    CHECK(from_pool + up.allocs == 2 * 200 * 20 && from_pool > 0);
    CHECK(up.allocs == up.deallocs && up.live.empty());
    p.coalesce();
    CHECK(p.efficiency() == 0.0);
    p.check();
}

int main()
{
    try {
        test_moves();
        test_blocks();
        test_errors();
        test_wrappers();
        test_resource();
        test_resource_threads();
    } catch (const std::exception &e) {
        std::printf("FAIL: unexpected exception: %s\n", e.what());
        return 1;
    }
    std::printf("%d checks passed, %d failed\n", passes, failures);
    return failures ? 1 : 0;
}
