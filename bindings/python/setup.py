"""Build the numapool Python package against an installed libnumapool.

    NUMAPOOL_PREFIX=/opt/numapool pip install --no-build-isolation ./bindings/python

The library is never compiled here: the extension links the libnumapool
that pkg-config finds (``pkg-config numapool``), looking first in
``$NUMAPOOL_PREFIX/lib*/pkgconfig`` when NUMAPOOL_PREFIX names an install
prefix.  The extension records that library's directory as its RPATH, so it
loads the same copy at run time without LD_LIBRARY_PATH.
"""
import glob
import os
import shlex
import subprocess
import sys

import numpy
from setuptools import Extension, setup


def pkg_config(*args):
    env = dict(os.environ)
    prefix = os.environ.get("NUMAPOOL_PREFIX")
    if prefix:
        dirs = sorted(glob.glob(os.path.join(prefix, "lib*", "pkgconfig")) +
                      glob.glob(os.path.join(prefix, "lib", "*", "pkgconfig")))
        if not dirs:
            sys.exit(f"numapool: NUMAPOOL_PREFIX={prefix} holds no lib*/pkgconfig/numapool.pc: "
                     "install numapool there first (cmake --install BUILD --prefix PREFIX)")
        env["PKG_CONFIG_PATH"] = os.pathsep.join(dirs + [env.get("PKG_CONFIG_PATH", "")])
    try:
        out = subprocess.run(["pkg-config", *args, "numapool"], env=env, check=True,
                             capture_output=True, text=True).stdout
    except FileNotFoundError:
        sys.exit("numapool: pkg-config is needed to find the installed libnumapool (Debian: pkg-config)")
    except subprocess.CalledProcessError as e:
        sys.exit("numapool: pkg-config cannot find numapool (" + e.stderr.strip() + "); install the library "
                 "and set NUMAPOOL_PREFIX to its prefix, or PKG_CONFIG_PATH to its lib/pkgconfig")
    return out.strip()


cflags = [("-I" + os.path.normpath(f[2:])) if f.startswith("-I") else f
          for f in shlex.split(pkg_config("--cflags"))]
libdir = os.path.normpath(pkg_config("--variable=libdir"))
version = pkg_config("--modversion")

ext = Extension(
    "numapool._numapool",
    sources=["numapool/_numapool.c"],
    include_dirs=[numpy.get_include()] + [f[2:] for f in cflags if f.startswith("-I")],
    extra_compile_args=["-std=c11"] + [f for f in cflags if not f.startswith("-I")],
    define_macros=[("_GNU_SOURCE", None)],
    library_dirs=[libdir],
    libraries=["numapool"],
    runtime_library_dirs=[libdir],
)

setup(
    name="numapool",
    version=version,
    description="Fixed-size blocks on the right NUMA node and the right pages, as numpy arrays",
    packages=["numapool"],
    ext_modules=[ext],
    python_requires=">=3.9",
    install_requires=["numpy>=1.22"],
    zip_safe=False,
)
