"""Build a SentencePiece ``precompiled_charsmap`` from a codepoint → replacement map.

The blob is what ``tokenizers.normalizers.Precompiled`` reads (and what SentencePiece stores
in a ``.model`` file): a little-endian u32 with the trie size in bytes, the trie as a
darts-clone double array of u32 units, then the replacement strings, each ending in NUL.

Unit layout (darts-clone): bits 0–7 the label byte, bit 8 "has a leaf", bits 10–30 the XOR
offset to the node's children; a leaf unit has bit 31 set and holds the replacement's byte
offset. A node at position ``p`` with offset ``o`` has base ``b = p ^ o``: its child for byte
``c`` sits at ``b ^ c`` and its leaf at ``b``. Bases are unique, so a lookup that lands on
another node's unit fails the label check.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field

LEAF_BIT = 1 << 31
HAS_LEAF_BIT = 1 << 8
MAX_OFFSET = 1 << 21
SEARCH_WINDOW = 1024  # first-fit looks this far below the highest used slot at most (keeps the build linear)


@dataclass
class _Node:
    children: dict[int, "_Node"] = field(default_factory=dict)
    value: int | None = None  # byte offset of the replacement string


def _trie(keys: list[tuple[bytes, int]]) -> _Node:
    root = _Node()
    for key, value in keys:
        if not key or 0 in key:
            raise ValueError(f"charsmap keys must be non-empty and NUL-free: {key!r}")
        node = root
        for byte in key:
            node = node.children.setdefault(byte, _Node())
        node.value = value
    return root


class _DoubleArray:
    """Greedy first-fit placement of trie nodes into XOR-addressed slots."""

    def __init__(self) -> None:
        self.units: dict[int, int] = {0: 0}
        self.bases: set[int] = set()
        self.lowest_free = 1
        self.highest = 0

    def _fits(self, base: int, labels: list[int]) -> bool:
        return base not in self.bases and all(base ^ c != 0 and base ^ c not in self.units for c in labels)

    def find_base(self, labels: list[int]) -> int:
        self.lowest_free = max(self.lowest_free, self.highest - SEARCH_WINDOW)
        while self.lowest_free in self.units:
            self.lowest_free += 1
        position = self.lowest_free
        while True:
            base = position ^ labels[0]
            if position not in self.units and self._fits(base, labels):
                self.highest = max(self.highest, base | max(labels))
                return base
            position += 1

    def place(self, root: _Node) -> list[int]:
        queue = [(0, root)]
        while queue:
            position, node = queue.pop(0)
            labels = ([0] if node.value is not None else []) + sorted(node.children)
            base = self.find_base(labels)
            if position ^ base >= MAX_OFFSET:
                raise ValueError("charsmap trie too large for 21-bit offsets")
            self.bases.add(base)
            self.units[position] |= (position ^ base) << 10
            if node.value is not None:
                self.units[position] |= HAS_LEAF_BIT
                self.units[base] = node.value | LEAF_BIT
            for byte in sorted(node.children):
                self.units[base ^ byte] = byte
                queue.append((base ^ byte, node.children[byte]))
        size = (max(max(self.units), max(self.bases) | 0xFF) | 0xFF) + 1
        return [self.units.get(i, 0) for i in range(size)]


def build_charsmap(mapping: dict[int, str]) -> bytes:
    """codepoint → replacement (possibly empty) → ``precompiled_charsmap`` bytes."""
    strings = bytearray()
    keys: list[tuple[bytes, int]] = []
    for codepoint in sorted(mapping):
        keys.append((chr(codepoint).encode("utf-8"), len(strings)))
        strings += mapping[codepoint].encode("utf-8") + b"\0"
    units = _DoubleArray().place(_trie(keys))
    return struct.pack(f"<I{len(units)}I", 4 * len(units), *units) + bytes(strings)
