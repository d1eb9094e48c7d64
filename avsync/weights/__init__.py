"""Shipped model weights (package data) and their registry.

Each entry pins the file's sha256 so a damaged or swapped file is caught before use.
Rebuild recipes live in models/<name>/ of the source tree.
"""
from __future__ import annotations

import hashlib
import os

from ..errors import ModelError

REGISTRY = {
    # name: (file, sha256) -- models/sync/ rebuilds it
    "sync": ("sync.pt", "b21e39fa568484e77f303cbf132764491765bb6e3aeeb02c844fe49b8d921724"),
}

_HERE = os.path.dirname(os.path.abspath(__file__))


def path(name: str, *, verify: bool = True) -> str:
    """Absolute path of a shipped weight file, checked against its sha256."""
    if name not in REGISTRY:
        raise ModelError(f"unknown model {name!r}")
    fname, sha = REGISTRY[name]
    p = os.path.join(_HERE, fname)
    if not os.path.isfile(p):
        raise ModelError(f"shipped weights {fname} are missing from {_HERE}; reinstall avsync")
    if verify:
        with open(p, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        if digest != sha:
            raise ModelError(f"shipped weights {fname} do not match their registry sha256; reinstall avsync")
    return p
