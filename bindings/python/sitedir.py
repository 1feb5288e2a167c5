"""Print where the numapool package installs under an install prefix, relative to it.

Run by CMake with the interpreter the package is built for:
``python3 sitedir.py PREFIX``.  The rule is the interpreter's own (sysconfig):

- ``/usr`` on Debian: the ``deb_system`` scheme, ``lib/python3/dist-packages``;
- ``/usr/local`` on Debian: ``posix_local``, ``lib/python3.X/dist-packages``;
- any other prefix (and every prefix elsewhere): ``posix_prefix``,
  ``lib/python3.X/site-packages`` (``lib64`` where the interpreter says so),
  which that prefix's users put on ``PYTHONPATH``.
"""
import os
import sys
import sysconfig

prefix = os.path.normpath(sys.argv[1])
schemes = sysconfig.get_scheme_names()
if prefix == "/usr" and "deb_system" in schemes:
    path = sysconfig.get_path("platlib", "deb_system", vars={"base": "/usr", "platbase": "/usr"})
elif prefix == "/usr/local" and "posix_local" in schemes:
    path = sysconfig.get_path("platlib", "posix_local", vars={"base": "/usr", "platbase": "/usr"})
else:
    path = sysconfig.get_path("platlib", "posix_prefix", vars={"base": prefix, "platbase": prefix})
print(os.path.relpath(path, prefix))
