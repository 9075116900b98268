"""`NewsIdSet`: which NewsIds a run has met, in memory that does not grow with the run's length.

NewsIds are sequential integers (about 4 M in 2026, docs/site.md §1), and a run meets ids that
are close together: the newest articles, or a backfill's range. One bit per id, in blocks of
4 KiB allocated as ids reach them, costs at most a few hundred KiB for the whole id space a run
can meet, where a set of ids grows by about 100 bytes per id. An odd id far from the others (a
mangled link) costs one block, and a run requests at most `NEWSBOT_MAX_ARTICLES` ids. Keys that
are not NewsIds (a legacy link's URL) are kept in a plain set beside the bitmap.
"""

from collections.abc import Iterable

_BLOCK_BITS = 15  # 32,768 ids a block: 4 KiB
_BLOCK_MASK = (1 << _BLOCK_BITS) - 1


def _number(key: object) -> int | None:
    """The NewsId a key names (an int, or a string of ASCII digits), else None."""
    if isinstance(key, int):
        return key if key >= 0 else None
    if isinstance(key, str) and key.isascii() and key.isdigit():
        return int(key)
    return None


class NewsIdSet:
    def __init__(self, keys: Iterable[int | str] = ()) -> None:
        self._blocks: dict[int, bytearray] = {}
        self._others: set[object] = set()
        self._count = 0
        for key in keys:
            self.add(key)

    def add(self, key: int | str) -> None:
        number = _number(key)
        if number is None:
            if key not in self._others:
                self._others.add(key)
                self._count += 1
            return
        block = self._blocks.get(number >> _BLOCK_BITS)
        if block is None:
            block = self._blocks[number >> _BLOCK_BITS] = bytearray(1 << (_BLOCK_BITS - 3))
        bit = number & _BLOCK_MASK
        byte, mask = bit >> 3, 1 << (bit & 7)
        if not block[byte] & mask:
            block[byte] |= mask
            self._count += 1

    def __contains__(self, key: object) -> bool:
        number = _number(key)
        if number is None:
            return key in self._others
        block = self._blocks.get(number >> _BLOCK_BITS)
        bit = number & _BLOCK_MASK
        return block is not None and bool(block[bit >> 3] & (1 << (bit & 7)))

    def __len__(self) -> int:
        return self._count

    @property
    def allocated_bytes(self) -> int:
        """Bytes held by the bitmap blocks (tests and benchmarks)."""
        return sum(len(block) for block in self._blocks.values())
