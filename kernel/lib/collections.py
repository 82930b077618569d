"""The kernel's `collections` (installed top-level in the image): MicroPython's built-in module
(py/modcollections.c: namedtuple and OrderedDict in C) extended with CPython's `deque`.

The built-in deque is a fixed-size ring buffer: `deque(iterable, maxlen)` with both arguments
required, so CPython code (`deque()`, `deque(items)`, `deque(maxlen=n)`) cannot build one. This
`deque` takes CPython's arguments: unbounded without `maxlen`; with it, appending to a full deque
drops an item from the other end. micropython-lib's collections package does the same in Python.

What stays MicroPython's (README of kernel/port, "The runtime's standard modules"):
namedtuple has `_asdict()` (an OrderedDict) but no `_replace()`, `_fields`, `defaults=` or
`rename=`; OrderedDict has no `move_to_end`, and its `popitem()` takes no `last=`. There is no
defaultdict, Counter or ChainMap.
"""
import sys

if sys.implementation.name == "micropython":
    # An empty sys.path makes the import below take the built-in module, not this file.
    _path = sys.path
    sys.path = []
    try:
        from collections import OrderedDict, namedtuple  # noqa: F401
    finally:
        sys.path = _path
    del _path
else:  # imported as kernel.lib.collections on the host
    from collections import OrderedDict, namedtuple  # noqa: F401

_COMPACT = 32   # popleft leaves holes at the front of the list; drop them past this many


class deque:
    """A double-ended queue: append/pop at both ends in amortised O(1) (appendleft after the
    front holes are used up is O(n)). Items live in a list from index `_head` on."""

    def __init__(self, iterable=(), maxlen=None):
        if maxlen is not None:
            if not isinstance(maxlen, int):
                raise TypeError("an integer is required")
            if maxlen < 0:
                raise ValueError("maxlen must be non-negative")
        self._items = []
        self._head = 0
        self._maxlen = maxlen
        self.extend(iterable)

    @property
    def maxlen(self):
        return self._maxlen

    def __len__(self):
        return len(self._items) - self._head

    def __bool__(self):
        return len(self._items) > self._head

    def __iter__(self):
        items = self._items
        for i in range(self._head, len(items)):
            yield items[i]

    def __reversed__(self):
        items = self._items
        for i in range(len(items) - 1, self._head - 1, -1):
            yield items[i]

    def __contains__(self, x):
        items = self._items
        for i in range(self._head, len(items)):
            if items[i] == x:
                return True
        return False

    def __eq__(self, other):
        return isinstance(other, deque) and list(self) == list(other)

    def __getitem__(self, i):
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("deque index out of range")
        return self._items[self._head + i]

    def __setitem__(self, i, x):
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("deque index out of range")
        self._items[self._head + i] = x

    def __repr__(self):
        if self._maxlen is None:
            return "deque(%r)" % list(self)
        return "deque(%r, maxlen=%d)" % (list(self), self._maxlen)

    def append(self, x):
        if self._maxlen == 0:
            return
        self._items.append(x)
        if self._maxlen is not None and len(self) > self._maxlen:
            self.popleft()

    def appendleft(self, x):
        if self._maxlen == 0:
            return
        if self._head:
            self._head -= 1
            self._items[self._head] = x
        else:
            self._items.insert(0, x)
        if self._maxlen is not None and len(self) > self._maxlen:
            self.pop()

    def extend(self, iterable):
        if iterable is self:
            iterable = list(iterable)
        for x in iterable:
            self.append(x)

    def extendleft(self, iterable):
        if iterable is self:
            iterable = list(iterable)
        for x in iterable:
            self.appendleft(x)

    def pop(self):
        if len(self._items) <= self._head:
            raise IndexError("pop from an empty deque")
        x = self._items.pop()
        if len(self._items) == self._head:
            self.clear()
        return x

    def popleft(self):
        items = self._items
        h = self._head
        if len(items) <= h:
            raise IndexError("pop from an empty deque")
        x = items[h]
        items[h] = None   # the deque holds no reference to what it gave out
        h += 1
        if h == len(items):
            self.clear()
        elif h >= _COMPACT and 2 * h >= len(items):
            del items[:h]
            self._head = 0
        else:
            self._head = h
        return x

    def clear(self):
        self._items = []
        self._head = 0

    def copy(self):
        return deque(self, self._maxlen)

    def count(self, x):
        n = 0
        items = self._items
        for i in range(self._head, len(items)):
            if items[i] == x:
                n += 1
        return n

    def index(self, x):
        items = self._items
        for i in range(self._head, len(items)):
            if items[i] == x:
                return i - self._head
        raise ValueError("deque.index(x): x not in deque")

    def remove(self, x):
        del self._items[self._head + self.index(x)]

    def reverse(self):
        items = self._items[self._head:]
        items.reverse()
        self._items = items
        self._head = 0

    def rotate(self, n=1):
        size = len(self)
        if size <= 1:
            return
        n %= size
        if n:
            items = self._items[self._head:]
            self._items = items[-n:] + items[:-n]
            self._head = 0
