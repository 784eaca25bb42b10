"""The engine asks glibc's malloc to keep freed blocks for reuse (lab.nn.memory)."""

import platform
import sys

import pytest


@pytest.mark.skipif(not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_the_engine_keeps_freed_memory_on_glibc():
    import lab.nn
    from lab.nn.memory import keep_freed_memory
    assert lab.nn.FREED_MEMORY_KEPT and keep_freed_memory()


def test_the_default_can_be_kept(monkeypatch):
    from lab.nn.memory import keep_freed_memory
    monkeypatch.setenv("NUMPY_LAB_MALLOC", "default")
    assert keep_freed_memory() is False
