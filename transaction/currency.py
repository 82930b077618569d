"""Currencies of the ledger (ISO 4217) and exact amounts in minor units.

    exponent("USD") -> 2, exponent("JPY") -> 0, exponent("KWD") -> 3
    parse_amount("1000.00", "USD") -> 100000      # an int count of cents
    format_amount(100000, "USD") -> "1000.00"

The ISO 4217 table is this module's (banking.toml's `aml_currency` is checked against it
too), and the exact conversion is the json module's Decimal.to_minor_units, which never
rounds: an amount with more significant decimals than the currency has is an error. Trailing
zeros beyond them are exact and accepted ("1.500" USD is 150 cents), as in banking.toml.

Every error is an AmountError (a ValueError) whose `code` is one of the ledger's result codes:
currency_invalid, amount_invalid, amount_negative, amount_must_not_be_zero, amount_too_large,
amount_too_precise. Portable: CPython on the host, MicroPython in the kernel.
"""
try:
    from kernel.lib import json as _json
except ImportError:  # in the kernel, kernel/lib/json.py is the top-level json
    import json as _json

Decimal = _json.Decimal

# Largest amount of one transfer, in minor units (TigerBeetle's amounts are u128; ours stay
# below 2**63 so that they fit a signed 64-bit integer anywhere they are stored).
MAX_AMOUNT = (1 << 63) - 1

# ISO 4217 currency codes and their minor-unit digits (2 unless listed in _EXP0 or _EXP3).
_CODES = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP "
    "BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP "
    "GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR "
    "KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK "
    "MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR "
    "SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS "
    "UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG").split()
_EXP0 = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF".split()
_EXP3 = "BHD IQD JOD KWD LYD OMR TND".split()

# ISO 4217 code -> minor-unit digits (a dict: one lookup).
CURRENCIES = {}
for _code in _CODES:
    CURRENCIES[_code] = 0 if _code in _EXP0 else 3 if _code in _EXP3 else 2
del _code, _CODES, _EXP0, _EXP3

_MAX_TEXT = 64   # longest amount text looked at (MAX_AMOUNT has 19 digits)


class AmountError(ValueError):
    """A currency or amount that the ledger refuses; `code` is the result code."""

    def __init__(self, code, msg):
        super().__init__(msg)
        self.code = code


def is_currency(code):
    """True for an ISO 4217 code of the table (three capitals, e.g. "EUR")."""
    return type(code) is str and code in CURRENCIES


def exponent(code):
    """Minor-unit digits of the currency: 2 for USD, 0 for JPY, 3 for KWD."""
    if type(code) is not str or code not in CURRENCIES:
        raise AmountError("currency_invalid", "unknown ISO 4217 currency code %r" % (code,))
    return CURRENCIES[code]


def _syntax(b):
    """True if the bytes are digits with at most one '.' between digits (no sign)."""
    n = len(b)
    if n == 0:
        return False
    dot = -1
    for i in range(n):
        c = b[i]
        if c == 46:
            if dot >= 0 or i == 0 or i == n - 1:
                return False
            dot = i
        elif not 48 <= c <= 57:
            return False
    return True


def parse_amount(value, currency, allow_zero=False, strict=False):
    """The amount `value` in minor units of `currency` (an int, 0 < amount <= MAX_AMOUNT).

    `value` is a decimal string ("1000.00", "5", "0.5": digits, at most one point between
    digits; no exponent, no '+', no spaces), a json Decimal (loads_exact) or an int (whole
    units). More significant decimals than the currency has: amount_too_precise (never
    rounded); with strict=True a string may not even have more decimal digits than the
    currency ("1.500" USD is then refused too). A float is refused (amount_invalid): it is
    not exact."""
    places = exponent(currency)
    if isinstance(value, Decimal):
        d = value
    elif type(value) is int:
        d = Decimal(value)
    elif type(value) is str:
        b = value.encode()
        neg = b[:1] == b"-"
        if len(b) > _MAX_TEXT or not _syntax(b[1:] if neg else b):
            raise AmountError("amount_invalid", "expected an amount like \"1000.00\", got %r"
                              % (value if len(value) <= 40 else value[:40] + "...",))
        k = b.find(b".")
        if strict and k >= 0 and len(b) - k - 1 > places:
            raise AmountError("amount_too_precise", "%s has more than %d decimal place%s for %s"
                              % (value, places, "" if places == 1 else "s", currency))
        d = Decimal(value)
    else:
        raise AmountError("amount_invalid", "expected an amount as a decimal string like "
                          "\"1000.00\", got %s" % type(value).__name__)
    if d.coefficient == 0:
        if allow_zero:
            return 0
        raise AmountError("amount_must_not_be_zero", "the amount must not be zero")
    if d.coefficient < 0:
        raise AmountError("amount_negative", "the amount must not be negative: %s" % d)
    # Bound the size before building the int: MAX_AMOUNT has 19 digits.
    if d.exponent + places > 19 or len("%d" % d.coefficient) + d.exponent + places > 19:
        raise AmountError("amount_too_large", "the amount %s %s is too large (at most %s)"
                          % (d, currency, format_amount(MAX_AMOUNT, currency)))
    if d.exponent + places < 0:
        raise AmountError("amount_too_precise", "%s has more than %d decimal place%s for %s"
                          % (d, places, "" if places == 1 else "s", currency))
    units = d.to_minor_units(places)
    if units > MAX_AMOUNT:
        raise AmountError("amount_too_large", "the amount %s %s is too large (at most %s)"
                          % (d, currency, format_amount(MAX_AMOUNT, currency)))
    return units


def format_amount(units, currency):
    """Minor units as a decimal string with the currency's digits: 100000 USD -> "1000.00",
    5 JPY -> "5", -1 USD -> "-0.01"."""
    places = exponent(currency)
    if type(units) is not int:
        raise TypeError("format_amount needs an int of minor units")
    sign = "-" if units < 0 else ""
    units = -units if units < 0 else units
    if places == 0:
        return sign + "%d" % units
    d = 10 ** places
    frac = "%d" % (units % d)
    return "%s%d.%s%s" % (sign, units // d, "0" * (places - len(frac)), frac)
