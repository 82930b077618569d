# QENEX OS -- configuration: system.toml and banking.toml, validated against a schema.
#
# Runs unchanged on CPython and MicroPython.  No file I/O here: the kernel passes the bytes of
# the GRUB modules, the host passes the files' contents.  See config/README.md for every key,
# its type, range and default, and kernel/CONFIG.md for the design.
#
#   cfg = load(system_text, banking_text)       # str or bytes; None = file absent -> defaults
#   cfg["kernel"]["memory_limit"]               # 335544320
#   cfg.source("kernel", "memory_limit")        # "system.toml:7" or "default"
#   print(format_config(cfg))                   # `config show`
#
# Every error is a ConfigError whose str names file, line and key:
#   system.toml:4: [kernel] memory_limit: expected a size like "512MB", got "lots"
from kernel import toml

SYSTEM = "system.toml"
BANKING = "banking.toml"

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB
TiB = 1024 * GiB


class ConfigError(ValueError):
    """A configuration error.  str(): `file:line: message` (`file: message` without a line)."""

    def __init__(self, msg, file=None, line=None, key=None):
        super().__init__(msg)
        self.msg = msg
        self.file = file
        self.line = line
        self.key = key

    def __str__(self):
        where = self.file or "config"
        if self.line:
            where += ":%d" % self.line
        return where + ": " + self.msg


class _Invalid(Exception):
    """Raised by a value parser; becomes a ConfigError with file, line and key."""


def _show(v):
    """A value as written in TOML, shortened, for messages."""
    try:
        s = toml.format_value(v)
    except TypeError:
        s = repr(v)
    if len(s) > 40:
        s = s[:37] + "..."
    return s


def _is_digits(s):
    if not s:
        return False
    for c in s:
        if not ("0" <= c <= "9"):
            return False
    return True


def _decimal(s, places, what, example):
    """An exact decimal string like "10000.00" -> integer in units of 10**-places.  Extra
    fraction digits are accepted only if they are zeros."""
    if type(s) is not str:
        raise _Invalid("expected %s as a string like \"%s\", got %s" % (what, example, _show(s)))
    parts = s.split(".")
    if len(parts) > 2 or not _is_digits(parts[0]) or (len(parts) == 2 and not
                                                      _is_digits(parts[1])):
        raise _Invalid("expected %s like \"%s\", got %s" % (what, example, _show(s)))
    whole = int(parts[0], 10)
    frac = parts[1] if len(parts) == 2 else ""
    extra = frac[places:]
    if extra and not _is_digits_zero(extra):
        raise _Invalid("%s has more than %d decimal place%s, got %s"
                       % (what, places, "" if places == 1 else "s", _show(s)))
    frac = frac[:places]
    frac = frac + "0" * (places - len(frac))
    return whole * (10 ** places) + (int(frac, 10) if frac else 0)


def _is_digits_zero(s):
    for c in s:
        if c != "0":
            return False
    return True


def _format_decimal(n, places, min_places):
    """Inverse of _decimal: 8500, 4 -> "0.85" (at least min_places decimals)."""
    if places == 0:
        return str(n)
    d = 10 ** places
    frac = str(n % d)
    frac = "0" * (places - len(frac)) + frac
    while len(frac) > min_places and frac.endswith("0"):
        frac = frac[:-1]
    if not frac:
        return str(n // d)
    return "%d.%s" % (n // d, frac)


# ---- value parsers -------------------------------------------------------------------------
# Each parser maps the TOML value to the stored value or raises _Invalid; `sect` holds the
# section's values parsed so far (fields are parsed in schema order).  Each formatter maps a
# stored value back to a TOML value that parses to the same stored value.


def _int(lo, hi):
    def parse(v, sect):
        if type(v) is not int:
            raise _Invalid("expected an integer, got %s" % _show(v))
        if v < lo or v > hi:
            raise _Invalid("must be between %d and %d, got %d" % (lo, hi, v))
        return v
    return parse


def _bool(v, sect):
    if type(v) is not bool:
        raise _Invalid("expected true or false, got %s" % _show(v))
    return v


_UNITS = {"": 1, "b": 1, "k": KiB, "kb": KiB, "kib": KiB, "m": MiB, "mb": MiB, "mib": MiB,
          "g": GiB, "gb": GiB, "gib": GiB, "t": TiB, "tb": TiB, "tib": TiB}


def parse_size(v):
    """A size in bytes: an integer, or a string like "512MB", "1GiB", "64M", "1.5 GiB", "4096".
    K/KB/KiB, M/MB/MiB, G/GB/GiB, T/TB/TiB are all binary (1024-based), case-insensitive.
    Raises ValueError."""
    if type(v) is int:
        if v < 0:
            raise ValueError("a size cannot be negative, got %d" % v)
        return v
    if type(v) is not str:
        raise ValueError("expected a size like \"512MB\", got %s" % _show(v))
    s = v.strip()
    i = 0
    while i < len(s) and (("0" <= s[i] <= "9") or s[i] == "."):
        i += 1
    num = s[:i]
    mult = _UNITS.get(s[i:].strip().lower())
    parts = num.split(".")
    if mult is None or len(parts) > 2 or not _is_digits(parts[0]) or \
            (len(parts) == 2 and not _is_digits(parts[1])):
        raise ValueError("expected a size like \"512MB\", got %s" % _show(v))
    if len(parts) == 2:
        scale = 10 ** len(parts[1])
        n = int(parts[0] + parts[1], 10) * mult
        if n % scale:
            raise ValueError("%s is not a whole number of bytes" % _show(v))
        return n // scale
    return int(num, 10) * mult


def format_size(n):
    """Bytes -> the shortest exact size string: 268435456 -> "256MiB", 1000 -> "1000B"."""
    for unit, mult in (("TiB", TiB), ("GiB", GiB), ("MiB", MiB), ("KiB", KiB)):
        if n and n % mult == 0:
            return "%d%s" % (n // mult, unit)
    return "%dB" % n


def _format_size(n, sect):
    return format_size(n)


def _size(lo, hi, multiple=1):
    def parse(v, sect):
        try:
            n = parse_size(v)
        except ValueError as e:
            raise _Invalid(str(e))
        if n < lo:
            raise _Invalid("must be at least %s, got %s" % (format_size(lo), _show(v)))
        if n > hi:
            raise _Invalid("must be at most %s, got %s" % (format_size(hi), _show(v)))
        if n % multiple:
            raise _Invalid("must be a multiple of %s, got %s" % (format_size(multiple),
                                                                  _show(v)))
        return n
    return parse


def _seconds_ms(lo_ms, hi_ms):
    def parse(v, sect):
        if type(v) is int:
            ms = v * 1000
        elif type(v) is float:
            if v != v or v in (float("inf"), float("-inf")):
                raise _Invalid("expected a number of seconds, got %s" % _show(v))
            ms = int(v * 1000 + 0.5) if v > 0 else -1
        else:
            raise _Invalid("expected a number of seconds like 30 or 2.5, got %s" % _show(v))
        if ms < lo_ms or ms > hi_ms:
            raise _Invalid("must be between %s and %s seconds, got %s"
                           % (_format_decimal(lo_ms, 3, 0), _format_decimal(hi_ms, 3, 0),
                              _show(v)))
        return ms
    return parse


def _ms_to_seconds(ms, sect):
    if ms % 1000 == 0:
        return ms // 1000
    return float(_format_decimal(ms, 3, 1))


def parse_ipv4(s):
    """"10.0.2.15" -> (10, 0, 2, 15).  Decimal octets 0..255 without leading zeros.
    Raises ValueError."""
    if type(s) is not str:
        raise ValueError("expected an IPv4 address like \"10.0.2.2\", got %s" % _show(s))
    parts = s.split(".")
    if len(parts) != 4:
        raise ValueError("expected an IPv4 address like \"10.0.2.2\", got %s" % _show(s))
    out = []
    for p in parts:
        if not _is_digits(p) or len(p) > 3 or (len(p) > 1 and p[0] == "0") or int(p) > 255:
            raise ValueError("expected an IPv4 address like \"10.0.2.2\", got %s" % _show(s))
        out.append(int(p))
    return tuple(out)


def _ip_int(ip):
    return (ip[0] << 24) | (ip[1] << 16) | (ip[2] << 8) | ip[3]


def _netmask(prefix):
    return (0xFFFFFFFF << (32 - prefix)) & 0xFFFFFFFF


def _check_host(ip, prefix, what):
    n = _ip_int(ip)
    if ip[0] == 0 or ip[0] == 127 or ip[0] >= 224:
        raise ValueError("%s %d.%d.%d.%d is not a usable host address" % ((what,) + ip))
    if prefix <= 30:
        host = n & ~_netmask(prefix) & 0xFFFFFFFF
        if host == 0 or host == (~_netmask(prefix) & 0xFFFFFFFF):
            raise ValueError("%s %d.%d.%d.%d is the network or broadcast address of its /%d "
                             "subnet" % ((what,) + ip + (prefix,)))


def parse_cidr(s):
    """"10.0.2.15/24" -> ((10, 0, 2, 15), 24).  Raises ValueError."""
    example = "expected \"dhcp\" or an IPv4 address with prefix length like \"10.0.2.15/24\""
    if type(s) is not str:
        raise ValueError("%s, got %s" % (example, _show(s)))
    if "/" not in s:
        raise ValueError("%s, got %s (the prefix length is missing)" % (example, _show(s)))
    addr, plen = s.split("/", 1)
    if not _is_digits(plen) or len(plen) > 2 or (len(plen) > 1 and plen[0] == "0") or \
            not (1 <= int(plen) <= 32):
        raise ValueError("prefix length must be 1..32, got %s" % _show(s))
    try:
        ip = parse_ipv4(addr)
    except ValueError:
        raise ValueError("%s, got %s" % (example, _show(s)))
    prefix = int(plen)
    _check_host(ip, prefix, "address")
    return ip, prefix


def _address(v, sect):
    if v == "dhcp":
        return v
    try:
        parse_cidr(v)
    except ValueError as e:
        raise _Invalid(str(e))
    return v


def _gateway(v, sect):
    try:
        parse_ipv4(v)
    except ValueError as e:
        raise _Invalid(str(e))
    return v


# ---- the schema ----------------------------------------------------------------------------
# A section: (name, file, ((key in the file, key in the config, parse, format, default as
# written), ...), check or None).  parse(value, section so far) -> stored value; format(stored,
# section) -> the value as written in TOML (None: the same value); check(section, err) raises
# err(key, message) for rules across keys.  Defaults go through parse like file values.
# The kernel owns [kernel] and [network]; each banking package owns its own sections
# (SECTIONS in <package>/package.py, collected by kernel/packages.py).


def _check_network(sect, err):
    if sect["gateway"] is None:
        return
    if sect["address"] == "dhcp":
        raise err("gateway", "a gateway is set only with a static address (DHCP supplies it)")
    ip, prefix = parse_cidr(sect["address"])
    gw = parse_ipv4(sect["gateway"])
    mask = _netmask(prefix)
    if (_ip_int(gw) & mask) != (_ip_int(ip) & mask):
        raise err("gateway", "gateway %s is outside the subnet of address %s"
                  % (_show(sect["gateway"]), _show(sect["address"])))
    if gw == ip:
        raise err("gateway", "gateway %s is the machine's own address" % _show(sect["gateway"]))
    try:
        _check_host(gw, prefix, "gateway")
    except ValueError as e:
        raise err("gateway", str(e))


KERNEL_SECTIONS = (
    ("kernel", SYSTEM, (
        ("memory_limit", "memory_limit", _size(16 * MiB, TiB), _format_size, "320MB"),
    ), None),
    ("network", SYSTEM, (
        ("address", "address", _address, None, "dhcp"),
        ("gateway", "gateway", _gateway, None, None),
        ("port", "port", _int(1, 65535), None, 8080),
        ("max_connections", "max_connections", _int(1, 100), None, 100),
    ), _check_network),
)

# What a package's section schema uses (its own parsers raise Invalid with the message).
Invalid = _Invalid
show = _show
int_range = _int
boolean = _bool
size = _size
size_text = _format_size
seconds_ms = _seconds_ms
ms_to_seconds = _ms_to_seconds
decimal = _decimal
format_decimal = _format_decimal


def schema():
    """The kernel's sections and every package's (kernel/packages.py), in that order."""
    try:
        from kernel import packages
    except ImportError:  # pragma: no cover - installed flat
        import packages
    return KERNEL_SECTIONS + packages.config_sections()


# ---- loading -------------------------------------------------------------------------------


def _distance(a, b):
    """Levenshtein distance (short strings only)."""
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
        prev = cur
    return prev[len(b)]


def _closest(word, candidates):
    best = None
    best_d = 3
    for c in candidates:
        d = _distance(word, c)
        if d < best_d and d <= max(1, len(c) // 3):
            best, best_d = c, d
    return best


def _home_of_key(key, schema):
    """The section whose schema has `key` as a file key, or None."""
    for s in schema:
        for f in s[2]:
            if f[0] == key:
                return s[0]
    return None


def _parse_file(text, name, kind, schema, sections, sources):
    """Validate one file's text into sections/sources (dicts, updated in place)."""
    by_name = {}
    for spec in schema:
        by_name[spec[0]] = spec
    try:
        doc, lines = toml.loads_with_lines(text)
    except toml.TOMLError as e:
        raise ConfigError("col %d: %s" % (e.col, e.msg), name, e.line, e.key)

    def line_of(path):
        while path:
            if path in lines:
                return lines[path]
            path = path[:-1]
        return None

    own = [s for s in schema if s[1] == kind]
    # Unknown sections and keys first, in document order, so the first error is reported.
    for top in sorted(doc, key=lambda k: line_of((k,)) or 0):
        line = line_of((top,))
        v = doc[top]
        spec = by_name.get(top)
        if type(v) is not dict:
            home = _home_of_key(top, schema)
            if spec is not None and spec[1] == kind:
                raise ConfigError("%s must be a table: write [%s]" % (top, top), name, line, top)
            if home is not None and by_name[home][1] == kind:
                raise ConfigError("key '%s' must be inside its section [%s]" % (top, home),
                                  name, line, top)
            raise ConfigError("unknown key '%s' outside any section" % top, name, line, top)
        if spec is None or spec[1] != kind:
            if spec is not None:
                msg = "section [%s] belongs in %s, not %s" % (top, spec[1], kind)
            else:
                msg = "unknown section [%s]" % top
                guess = _closest(top, [s[0] for s in own])
                if guess:
                    msg += " (did you mean [%s]?)" % guess
            raise ConfigError(msg, name, line, top)
        known = [f[0] for f in spec[2]]
        for key in sorted(v, key=lambda k: line_of((top, k)) or 0):
            if key not in known:
                msg = "[%s] unknown key '%s'" % (top, key)
                guess = _closest(key, known)
                home = _home_of_key(key, schema)
                if guess:
                    msg += " (did you mean '%s'?)" % guess
                elif home is not None:
                    msg += " (it belongs in [%s])" % home
                raise ConfigError(msg, name, line_of((top, key)), top + "." + key)
    # Values, in schema order, defaults filled in.
    for sname, _file, fields, check in own:
        raw = doc.get(sname, {})
        sect = {}
        src = {}
        for key, ckey, parse, fmt, default in fields:
            line = None
            if key in raw:
                v = raw[key]
                line = line_of((sname, key))
                src[ckey] = "%s:%d" % (name, line)
            else:
                v = default
                src[ckey] = "default"
            if v is None:
                sect[ckey] = None
                continue
            try:
                sect[ckey] = parse(v, sect)
            except _Invalid as e:
                raise ConfigError("[%s] %s: %s" % (sname, key, e.args[0]), name, line,
                                  sname + "." + key)
        if check is not None:
            def err(key, msg, sname=sname, raw=raw):
                return ConfigError("[%s] %s: %s" % (sname, key, msg), name,
                                   line_of((sname, key)) if key in raw else line_of((sname,)),
                                   sname + "." + key)
            check(sect, err)
        sections[sname] = sect
        for ckey in src:
            sources[(sname, ckey)] = src[ckey]


class Config:
    """The effective configuration: cfg[section][key] (keys as stored, see config/README.md),
    cfg.source(section, key) -> "system.toml:7" or "default", cfg.files -> {file: name or
    None}."""

    def __init__(self, sections, sources, files, schema=()):
        self.sections = sections
        self.sources = sources
        self.files = files
        self.schema = schema

    def __getitem__(self, section):
        return self.sections[section]

    def __contains__(self, section):
        return section in self.sections

    def get(self, section, key, default=None):
        return self.sections.get(section, {}).get(key, default)

    def source(self, section, key):
        return self.sources.get((section, key))

    def as_dict(self):
        out = {}
        for s in self.sections:
            out[s] = dict(self.sections[s])
        return out

    def __eq__(self, other):
        return isinstance(other, Config) and self.sections == other.sections

    def __ne__(self, other):
        return not self.__eq__(other)


def load(system=None, banking=None, system_name=SYSTEM, banking_name=BANKING, sections=None):
    """Validate system.toml and banking.toml (str or UTF-8 bytes; None = absent, defaults
    used) and return a Config.  ``sections``: the schema (default: schema(), the kernel's and
    every package's).  Raises ConfigError."""
    spec = schema() if sections is None else tuple(sections)
    out = {}
    sources = {}
    files = {}
    for text, name, kind in ((system, system_name, SYSTEM), (banking, banking_name, BANKING)):
        _parse_file(text if text is not None else "", name, kind, spec, out, sources)
        files[kind] = name if text is not None else None
    return Config(out, sources, files, spec)


def defaults(sections=None):
    """The configuration with no files at all."""
    return load(None, None, sections=sections)


def network_params(cfg):
    """The [network] section decoded for the network stack: {"dhcp": bool, "ip": (a, b, c, d)
    or None, "prefix": int or None, "netmask": (a, b, c, d) or None, "gateway": (a, b, c, d)
    or None, "port": int}."""
    net = cfg["network"]
    out = {"dhcp": net["address"] == "dhcp", "ip": None, "prefix": None, "netmask": None,
           "gateway": None, "port": net["port"]}
    if not out["dhcp"]:
        ip, prefix = parse_cidr(net["address"])
        m = _netmask(prefix)
        out["ip"] = ip
        out["prefix"] = prefix
        out["netmask"] = ((m >> 24) & 255, (m >> 16) & 255, (m >> 8) & 255, m & 255)
    if net["gateway"] is not None:
        out["gateway"] = parse_ipv4(net["gateway"])
    return out


def format_config(cfg, file=None):
    """The effective configuration as TOML text (`config show`): sections sorted by name,
    keys in schema order, each with a comment saying where its value came from.  With
    file=SYSTEM or BANKING only that file's sections are shown; the text then loads back as
    that file to the same values."""
    out = []
    if file is None:
        names = []
        for kind in (SYSTEM, BANKING):
            got = cfg.files.get(kind)
            if got is None:
                names.append(kind + " not loaded (defaults)")
            else:
                names.append(got if got == kind else "%s from %s" % (kind, got))
        out.append("# effective configuration: " + ", ".join(names))
    by_name = {}
    for spec in cfg.schema:
        by_name[spec[0]] = spec
    for sname in sorted(by_name):
        spec = by_name[sname]
        if file is not None and spec[1] != file:
            continue
        sect = cfg[sname]
        rows = []
        for key, ckey, parse, fmt, default in spec[2]:
            v = sect.get(ckey)
            if v is None:
                rows.append(("# %s is not set" % key, cfg.source(sname, ckey)))
                continue
            if fmt is not None:
                v = fmt(v, sect)
            rows.append(("%s = %s" % (key, toml.format_value(v)), cfg.source(sname, ckey)))
        width = 0
        for text, src in rows:
            width = max(width, len(text))
        if out:
            out.append("")
        out.append("[%s]" % sname)
        for text, src in rows:
            out.append(text + " " * (width - len(text)) + "  # " + (src or "default"))
    return "\n".join(out) + "\n"
