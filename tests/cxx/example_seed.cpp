#include <numapool.hpp>
#include <cstdio>
#include <list>
#include <memory_resource>

int main()
{
    numapool::config cfg;
    cfg.block_size = 100 * sizeof(double);     // bytes per block
    cfg.block_count = 20;                      // blocks per node
    numapool::pool pool(cfg);                  // throws numapool::error with the library's sentence
    auto a = pool.get<double[]>();             // block 0 as double[100], given back when `a` lets go
    auto b = pool.get<double[]>();             // block 1 (null when the node is empty)
    std::printf("blocks %zu and %zu\n", pool.index(a.get()), pool.index(b.get()));
    std::printf("Efficiency: %.1f%%\n", pool.efficiency());
    a.reset();                                 // the seed's return_block(0)
    b.reset();
    std::printf("Efficiency: %.1f%%\n", pool.efficiency());

    numapool::pool_resource blocks(pool);      // small requests from the pool, the rest from new/delete
    std::pmr::list<int> list({1, 2, 3}, &blocks);
    std::printf("Efficiency: %.1f%% with a list of %zu\n", pool.efficiency(), list.size());
}
