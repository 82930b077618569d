"""String similarities for name matching: Jaro-Winkler, token-set ratio, a phonetic key.

Pure integer arithmetic (basis points, 0..10000): in the kernel a float is a heap object, and
the matcher runs these in its inner loop. Strings may be str or bytes; the matcher passes
bytes (indexing a MicroPython str walks its UTF-8 from the start, indexing bytes does not;
and on bytes Jaro finds each character's match with bytearray.find, at C speed).
spelling() and phonetic() apply their rule tables with str.replace, skipping the groups of
rules whose letter is absent; spelling_by_table() and phonetic_by_table() are the plain
definitions, which the tests compare them with.

- jaro_winkler(a, b): Winkler's definition as in jellyfish.jaro_winkler_similarity (search
  window max(len)//2 - 1, half the out-of-order matches as transpositions, rounded down;
  prefix bonus of up to 4 characters, 0.1 each, applied when Jaro >= 0.7: Winkler says
  above 0.7, but jellyfish's floating-point sum of an exact 0.7 lands above it); one
  rounding, to the nearest basis point. tests/host/test_matcher_props.py compares it with jellyfish.
- token_set_ratio(a, b): rapidfuzz.fuzz.token_set_ratio (whitespace tokens, Indel ratio of
  the sorted intersection and differences), in basis points; the LCS under the Indel
  distance is the bit-parallel one (Hyyrö), a few integer operations per character.
- phonetic(tok): our own key, a simplified Metaphone tuned for transliterated names rather
  than English spelling. Why not Double Metaphone: its hundreds of English/Germanic/Romance
  rules fit European surnames and make a long, slow table, while the names on the lists are
  mostly transliterations (Arabic, Persian, Russian, Chinese) whose variants differ in their
  vowels (Mohammed/Muhammad/Mohamad, Yusuf/Yousef), in digraph spellings (kh/h, ph/f,
  dj/j/zh, ts/tz) and in voicing written differently (d/t); NYSIIS keeps vowel positions
  and truncates at 6. The key: digraphs folded (sch tch sh ch -> X, kh -> h, gh -> g, ph ->
  f, th -> t, dh -> d, dj dzh zh -> j, ck q -> k, ts tz -> s, x -> ks), then c -> k or s,
  g -> k, z -> s, v -> f, d -> t, w -> f at the start or between a consonant and a vowel
  (else it is a vowel glide and vanishes); doubled letters collapse; vowels (and y) vanish
  except a leading one, which becomes "A"; h vanishes except at the start (it is the letter
  transliterations add and drop most: Mohammed/Mohamed/Muhamad/mhmd, John/Jon, Rahman/
  Rachman aside). Digits make no key (a token with a digit is its own key). Mohammed, Muhammad,
  Mohamad and the Arabic skeleton "mhmd" all give "MMT"; Yusuf, Yousef, Youssef and "ywsf"
  give "ASF"; Vladimir and Wladimir "FLTMR".
"""


# bytes of one byte, by value: what bytes.find looks for
_ONE = [bytes((_c,)) for _c in range(256)]


def _jaro_nd(a, b, la, lb, least=0):
    """Jaro of a and b as the fraction n / d (d == 0 when nothing matches, or when fewer
    than ``least`` characters can match: the caller needs no value then). Bytes with no 0
    byte in a go to _jaro_nd_bytes, the rest to _jaro_nd_loop: the same result."""
    if type(a) is not bytes or type(b) is not bytes or 0 in a:
        return _jaro_nd_loop(a, b, la, lb)
    return _jaro_nd_bytes(a, b, la, lb, least)


def _jaro_nd_bytes(a, b, la, lb, least):
    """_jaro_nd for bytes, a with no 0 byte: each character's match is found by
    bytearray.find in its window at C speed, a matched byte of b being overwritten with 0 so
    that it is not matched twice. The matched characters are equal pairwise, so when their
    places in b come in increasing order there is no transposition to count."""
    rng = (la if la > lb else lb) // 2 - 1
    if rng < 0:
        rng = 0
    bb = bytearray(b)
    one = _ONE
    am = []                  # a's matched characters, in order
    js = []                  # where they matched in b
    lo = -rng
    miss = la - least        # characters of a that may still find no match
    last = -1
    cross = False
    for c in a:
        j = bb.find(one[c], lo if lo > 0 else 0, lo + rng + rng + 1)
        if j >= 0:
            bb[j] = 0
            am.append(c)
            js.append(j)
            if j < last:
                cross = True
            last = j
        else:
            miss -= 1
            if miss < 0:
                return 0, 0
        lo += 1
    m = len(js)
    if m == 0:
        return 0, 0
    t = 0
    if cross:
        js.sort()
        k = 0
        for j in js:         # b's matched characters in order, against a's
            if b[j] != am[k]:
                t += 1
            k += 1
        t //= 2
    return m * m * (la + lb) + (m - t) * la * lb, 3 * la * lb * m


def jw_bytes(a, b, least=0):
    """jaro_winkler(a, b, least) for what the matcher passes: two different, non-empty
    bytes, no 0 byte in a (the same value, without the checks)."""
    la = len(a)
    lb = len(b)
    n, d = _jaro_nd_bytes(a, b, la, lb, least)
    if d == 0:
        return 0
    if 10 * n < 7 * d:
        return (20000 * n + d) // (2 * d)
    lim = la if la < lb else lb
    if lim > 4:
        lim = 4
    p = 0
    while p < lim and a[p] == b[p]:
        p += 1
    num = n * (10 - p) + p * d
    return (2000 * num + d) // (2 * d)


def _jaro_nd_loop(a, b, la, lb):
    """_jaro_nd one character pair at a time (str, and the definition the tests compare)."""
    rng = (la if la > lb else lb) // 2 - 1
    if rng < 0:
        rng = 0
    af = bytearray(la)
    bf = bytearray(lb)
    m = 0
    for i in range(la):
        c = a[i]
        lo = i - rng
        if lo < 0:
            lo = 0
        hi = i + rng + 1
        if hi > lb:
            hi = lb
        for j in range(lo, hi):
            if not bf[j] and b[j] == c:
                af[i] = 1
                bf[j] = 1
                m += 1
                break
    if m == 0:
        return 0, 0
    t = 0
    k = 0
    for i in range(la):
        if af[i]:
            while not bf[k]:
                k += 1
            if a[i] != b[k]:
                t += 1
            k += 1
    t //= 2
    # Jaro = (m/la + m/lb + (m-t)/m) / 3 = n / d
    return m * m * (la + lb) + (m - t) * la * lb, 3 * la * lb * m


def jaro(a, b):
    """Jaro similarity (no prefix bonus) in basis points."""
    la = len(a)
    lb = len(b)
    if la == 0 or lb == 0:
        return 0
    if a == b:
        return 10000
    n, d = _jaro_nd(a, b, la, lb)
    if d == 0:
        return 0
    return (20000 * n + d) // (2 * d)


def jaro_winkler(a, b, least=0):
    """Jaro-Winkler similarity of a and b in basis points (0..10000). least (bytes only): a
    number of matching characters the caller needs (else any value will do): 0 comes back
    as soon as fewer can match."""
    la = len(a)
    lb = len(b)
    if la == 0 or lb == 0:
        return 0
    if a == b:
        return 10000
    n, d = _jaro_nd(a, b, la, lb, least)
    if d == 0:
        return 0
    if 10 * n < 7 * d:       # Winkler's bonus for Jaro above 0.7; at exactly 0.7 too, as
        return (20000 * n + d) // (2 * d)    # jellyfish's float sum lands just above it
    lim = la if la < lb else lb
    if lim > 4:
        lim = 4
    p = 0
    while p < lim and a[p] == b[p]:
        p += 1
    # JW = J + p/10 (1 - J) = (n (10 - p) + p d) / (10 d)
    num = n * (10 - p) + p * d
    return (2000 * num + d) // (2 * d)


# Letter masks bound Jaro-Winkler from above without computing it: the matches m of a and b
# are at most their common distinct letters plus the repeats of the one with fewer repeats.
POP = bytearray(8192)
for _i in range(1, 8192):
    POP[_i] = POP[_i >> 1] + (_i & 1)


def _bit(c):
    if 97 <= c <= 122:
        return 1 << (c - 97)
    return 1 << (c % 26)


_BIT = [_bit(_c) for _c in range(256)]      # byte -> its letter_mask bit


def letter_mask(s):
    """(mask, repeats) of bytes s: a bit per distinct letter a-z (bits 0-25; any other byte
    shares the bit of letter c % 26: the bound only gets looser) and len(s) minus the number
    of bits set. The mask stays below 2 ** 26: popcount is two lookups of POP."""
    m = 0
    bits = _BIT
    for c in s:
        m |= bits[c]
    return m, len(s) - POP[m & 8191] - POP[m >> 13]


def popcount(x):
    return POP[x & 8191] + POP[(x >> 13) & 8191] + POP[x >> 26]


def jw_upper(la, lb, ma, mb, ra, rb, same_first):
    """An upper bound (bp) of jaro_winkler of strings of lengths la, lb with letter masks
    ma, mb and repeats ra, rb; same_first: do they start with the same character."""
    m = popcount(ma & mb) + (ra if ra < rb else rb)
    if m > la:
        m = la
    if m > lb:
        m = lb
    if m == 0:
        return 0
    n = m * (la + lb) + la * lb
    d = 3 * la * lb
    if not same_first or 10 * n < 7 * d:
        return (10000 * n + d - 1) // d
    return (1000 * (6 * n + 4 * d) + d - 1) // d


def lcs_length(a, b):
    """Length of the longest common subsequence of a and b (bit-parallel, Hyyrö 2004)."""
    if len(a) == 0 or len(b) == 0:
        return 0
    masks = {}
    bit = 1
    for c in a:
        masks[c] = masks.get(c, 0) | bit
        bit <<= 1
    full = bit - 1
    v = full
    for c in b:
        mk = masks.get(c, 0)
        u = v & mk
        v = ((v + u) | (v - u)) & full
    return len(a) - bin(v).count("1")


def indel_distance(a, b):
    """Insertions plus deletions turning a into b (len a + len b - 2 LCS)."""
    return len(a) + len(b) - 2 * lcs_length(a, b)


def _norm(dist, lensum):
    """rapidfuzz's 100 - 100 * dist / lensum, in basis points, rounded to nearest."""
    if lensum == 0:
        return 10000
    return 10000 - (20000 * dist + lensum) // (2 * lensum)


def token_set_ratio(a, b):
    """rapidfuzz.fuzz.token_set_ratio(a, b) in basis points (0..10000). a and b are strings;
    tokens are split on whitespace."""
    ta = set(a.split())
    tb = set(b.split())
    if not ta or not tb:
        return 0
    inter = []
    dab = []
    dba = []
    for t in ta:
        if t in tb:
            inter.append(t)
        else:
            dab.append(t)
    for t in tb:
        if t not in ta:
            dba.append(t)
    if inter and (not dab or not dba):
        return 10000
    dab.sort()
    dba.sort()
    sab = " ".join(dab)
    sba = " ".join(dba)
    ab_len = len(sab)
    ba_len = len(sba)
    sect_len = len(" ".join(inter))
    sep = 1 if sect_len else 0
    sect_ab_len = sect_len + sep + ab_len
    sect_ba_len = sect_len + sep + ba_len
    best = _norm(indel_distance(sab, sba), sect_ab_len + sect_ba_len)
    if not sect_len:
        return best
    r = _norm(sep + ab_len, sect_len + sect_ab_len)
    if r > best:
        best = r
    r = _norm(sep + ba_len, sect_len + sect_ba_len)
    if r > best:
        best = r
    return best


# --- spelling ---------------------------------------------------------------------------
# The conventions transliterations disagree on, folded to one spelling before Jaro-Winkler
# (the vowels stay: they are what Jaro-Winkler then weighs). "\x01" holds "ch" while every
# other c becomes k.
_SPELLING = (
    ("x", "ks"), ("sch", "sh"), ("tch", "ch"), ("dzh", "j"), ("dj", "j"), ("zh", "j"),
    ("kh", "h"), ("gh", "g"), ("ph", "f"), ("th", "t"), ("dh", "d"), ("ck", "k"),
    ("q", "k"), ("ch", "\x01"), ("c", "k"), ("\x01", "ch"), ("w", "v"), ("y", "i"),
    ("ou", "u"), ("oo", "u"), ("ee", "i"),
)


def spelling(tok):
    """One spelling for the transliteration variants of a normalised token: digraphs folded
    (x ks, sch sh, tch ch, dzh dj zh j, kh h, gh g, ph f, th t, dh d, ck q c k), w v, y i,
    ou oo u, ee i, a leading "ie" (Cyrillic ye) "e". "Khusam" and "Husam", "Yevgeniy" and
    "Evgeni", "Qasim" and "Kasim" spell the same. Doubled letters stay (Jaro-Winkler forgives
    them, and collapsing them makes a letter typed between them cost more).

    The rules of _SPELLING in order (spelling_by_table), skipping groups whose letter is
    absent: no rule brings in an "h" or a "c", so without one none of the rules that need
    it can apply. Equal to spelling_by_table for every string."""
    if not tok or tok.isdigit():
        return tok
    s = tok
    if "x" in s:
        s = s.replace("x", "ks")
    if "h" in s:
        if "sch" in s:
            s = s.replace("sch", "sh")
        if "tch" in s:
            s = s.replace("tch", "ch")
        if "dzh" in s:
            s = s.replace("dzh", "j")
        if "dj" in s:
            s = s.replace("dj", "j")
        if "zh" in s:
            s = s.replace("zh", "j")
        if "kh" in s:
            s = s.replace("kh", "h")
        if "gh" in s:
            s = s.replace("gh", "g")
        if "ph" in s:
            s = s.replace("ph", "f")
        if "th" in s:
            s = s.replace("th", "t")
        if "dh" in s:
            s = s.replace("dh", "d")
    elif "dj" in s:
        s = s.replace("dj", "j")
    if "c" in s:
        if "ck" in s:
            s = s.replace("ck", "k")
        if "q" in s:
            s = s.replace("q", "k")
        if "ch" in s:
            s = s.replace("ch", "\x01")
        if "c" in s:
            s = s.replace("c", "k")
    elif "q" in s:
        s = s.replace("q", "k")
    if "\x01" in s:
        s = s.replace("\x01", "ch")
    if "w" in s:
        s = s.replace("w", "v")
    if "y" in s:
        s = s.replace("y", "i")
    if "o" in s:
        if "ou" in s:
            s = s.replace("ou", "u")
        if "oo" in s:
            s = s.replace("oo", "u")
    if "ee" in s:
        s = s.replace("ee", "i")
    if s[:2] == "ie" and len(s) > 2:
        s = s[1:]
    return s


def spelling_by_table(tok):
    """spelling() as its definition: every rule of _SPELLING in turn (tests compare)."""
    if not tok or tok.isdigit():
        return tok
    s = tok
    for old, new in _SPELLING:
        if old in s:
            s = s.replace(old, new)
    if s[:2] == "ie" and len(s) > 2:
        s = s[1:]
    return s


# --- phonetic key ------------------------------------------------------------------------
# Applied in order with str.replace (C speed); "x" goes first because "X" is our code for
# the sh sound afterwards (kept as an upper-case letter so no later rule touches it).
_DIGRAPHS = (
    ("x", "ks"), ("sch", "X"), ("tch", "X"), ("dzh", "j"), ("dj", "j"), ("zh", "j"),
    ("kh", "h"), ("gh", "g"), ("ph", "f"), ("sh", "X"), ("ch", "X"), ("th", "t"),
    ("dh", "d"), ("ck", "k"), ("qu", "k"), ("q", "k"), ("ts", "s"), ("tz", "s"),
    ("ce", "se"), ("ci", "si"), ("cy", "sy"), ("c", "k"), ("g", "k"), ("z", "s"),
    ("v", "f"), ("d", "t"),
)
_VOW = "aeiouy"


_HAS_ISASCII = hasattr("", "isascii")     # CPython; MicroPython's isalpha is ASCII-only


def phonetic(tok):
    """The phonetic key of one normalised token (lower-case ASCII); "" when it has none
    (empty, or not letters only).

    The rules of _DIGRAPHS in order (phonetic_by_table), skipping groups whose letter is
    absent: only "kh" -> "h" brings in an "h" (from one), "th" -> "t" a "t"; nothing brings in
    a "c" or a "q". Equal to phonetic_by_table for every string."""
    if (not tok or not tok.isalpha() or not tok.islower()
            or (_HAS_ISASCII and not tok.isascii())):
        return ""
    s = tok
    if "x" in s:
        s = s.replace("x", "ks")
    if "h" in s:
        if "sch" in s:
            s = s.replace("sch", "X")
        if "tch" in s:
            s = s.replace("tch", "X")
        if "dzh" in s:
            s = s.replace("dzh", "j")
        if "dj" in s:
            s = s.replace("dj", "j")
        if "zh" in s:
            s = s.replace("zh", "j")
        if "kh" in s:
            s = s.replace("kh", "h")
        if "gh" in s:
            s = s.replace("gh", "g")
        if "ph" in s:
            s = s.replace("ph", "f")
        if "sh" in s:
            s = s.replace("sh", "X")
        if "ch" in s:
            s = s.replace("ch", "X")
        if "th" in s:
            s = s.replace("th", "t")
        if "dh" in s:
            s = s.replace("dh", "d")
    elif "dj" in s:
        s = s.replace("dj", "j")
    c_ = "c" in s
    if c_ and "ck" in s:
        s = s.replace("ck", "k")
    if "q" in s:
        if "qu" in s:
            s = s.replace("qu", "k")
        if "q" in s:
            s = s.replace("q", "k")
    if "t" in s:
        if "ts" in s:
            s = s.replace("ts", "s")
        if "tz" in s:
            s = s.replace("tz", "s")
    if c_:
        if "ce" in s:
            s = s.replace("ce", "se")
        if "ci" in s:
            s = s.replace("ci", "si")
        if "cy" in s:
            s = s.replace("cy", "sy")
        if "c" in s:
            s = s.replace("c", "k")
    if "g" in s:
        s = s.replace("g", "k")
    if "z" in s:
        s = s.replace("z", "s")
    if "v" in s:
        s = s.replace("v", "f")
    if "d" in s:
        s = s.replace("d", "t")
    return _phonetic_tail(s)


def phonetic_by_table(tok):
    """phonetic() as its definition: every rule of _DIGRAPHS in turn (tests compare)."""
    if not tok or not tok.isalpha() or not tok.islower():
        return ""
    for c in tok:
        if c > "z":
            return ""
    s = tok
    for old, new in _DIGRAPHS:
        if old in s:
            s = s.replace(old, new)
    out = []
    last = ""
    n = len(s)
    i = 0
    for c in s:
        if c == last:               # doubled letter
            i += 1
            continue
        last = c
        if c in _VOW:
            if i == 0:
                out.append("A")
        elif c == "w":
            if i == 0:
                out.append("F")
            elif i + 1 < n and s[i + 1] in _VOW and s[i - 1] not in _VOW:
                out.append("F")
        elif c == "h":
            if i == 0:
                out.append("H")
        else:
            out.append(c.upper())
        i += 1
    return "".join(out)


def _phonetic_tail(s):
    """The key of s once its digraphs are folded: doubled letters collapse, vowels vanish
    but a leading one ("A"), w is "F" at the start or between a consonant and a vowel, h
    only counts at the start (phonetic_by_table's loop, on s in upper case)."""
    s = s.upper()           # "X" (the sh sound) is already upper case
    c = s[0]
    if c in _VOW_UP:
        out = ["A"]
    elif c == "W":
        out = ["F"]
    else:
        out = [c]
    last = c
    if "W" not in s:
        for c in s:
            if c != last:
                last = c
                if c not in _VOW_H_UP:
                    out.append(c)
        return "".join(out)
    n = len(s)
    i = 0
    for c in s:    # s is ASCII: indexing it is cheap in MicroPython too
        if c != last:
            last = c
            if c == "W":
                if i + 1 < n and s[i + 1] in _VOW_UP and s[i - 1] not in _VOW_UP:
                    out.append("F")
            elif c not in _VOW_H_UP:
                out.append(c)
        i += 1
    return "".join(out)


_VOW_UP = "AEIOUY"
_VOW_H_UP = "AEIOUYH"
