# docs/mainpage.cmake - cmake -DHEADER=include/numapool.h -DOUT=mainpage.md
# -DVERSION=x.y.z -P mainpage.cmake: the API reference's main page is the
# header's own model paragraph (the @file comment: free, held, cached;
# fragmentation; errors; threads; fork; environment), taken from the header
# at build time so that it has one source.
file(READ "${HEADER}" text)
string(FIND "${text}" "*/" end)
string(SUBSTRING "${text}" 0 ${end} text)
# drop the opening "/**", the @file and @brief lines, then each line's " * "
string(REGEX REPLACE "^/\\*\\*[^\n]*\n" "" text "${text}")
string(REGEX REPLACE " \\* @file[^\n]*\n" "" text "${text}")
string(REGEX REPLACE " \\* @brief[^\n]*\n" "" text "${text}")
string(REGEX REPLACE "^ \\*\n" "" text "${text}")
string(REGEX REPLACE "^ \\* " "" text "${text}")
string(REPLACE "\n * " "\n" text "${text}")
string(REPLACE "\n *\n" "\n\n" text "${text}")
set(out "numapool ${VERSION} {#mainpage}\n============\n\n${text}
The whole C contract is numapool.h: every function says what it does, each
error it returns and whether it is thread-safe.  numapool.hpp is its C++17
face: numapool::pool, numapool::block_ptr, numapool::error and
numapool::pool_resource.
")
file(WRITE "${OUT}.tmp" "${out}")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
