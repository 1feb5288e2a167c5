/* tests/api/hwloc_plugin.c - a stand-in for a hostile hwloc plugin: hwloc
 * loads every hwloc_*.so of HWLOC_PLUGINS_PATH with dlopen, and this one's
 * constructor writes the file NPOOL_PLUGIN_MARK names, so tests/api/setuid.sh
 * sees whether code from the environment's path ran.  (It registers no
 * component: hwloc unloads it again.) */
#include <stdio.h>
#include <stdlib.h>

__attribute__((constructor)) static void mark(void)
{
    const char *path = getenv("NPOOL_PLUGIN_MARK");
    FILE *f = path ? fopen(path, "w") : NULL;
    if (f) {
        fputs("hwloc loaded a plugin from HWLOC_PLUGINS_PATH\n", f);
        fclose(f);
    }
}
