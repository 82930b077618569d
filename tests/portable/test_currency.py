# Portable tests for transaction/currency.py (ISO 4217 table, exact amounts in minor units):
# plain asserts, run by pytest on the host and by `selftest currency` in the kernel.
from transaction import currency
from transaction.currency import AmountError, exponent, format_amount, parse_amount

try:
    from kernel.lib import json as kjson
except ImportError:
    import json as kjson


def code_of(value, cur="USD", **kw):
    """The AmountError code parse_amount raises (fails the test if it accepts the value)."""
    try:
        v = parse_amount(value, cur, **kw)
    except AmountError as e:
        assert isinstance(e, ValueError)
        assert str(e)
        return e.code
    raise AssertionError("accepted %r %s as %r" % (value, cur, v))


def test_exponents():
    assert exponent("USD") == 2
    assert exponent("EUR") == 2
    assert exponent("JPY") == 0
    assert exponent("KRW") == 0
    assert exponent("KWD") == 3
    assert exponent("BHD") == 3
    assert currency.CURRENCIES["GBP"] == 2
    assert len(currency.CURRENCIES) > 150


def test_unknown_currency():
    for bad in ("usd", "XXX", "US", "USDD", "", None, 840, b"USD"):
        try:
            exponent(bad)
        except AmountError as e:
            assert e.code == "currency_invalid"
        else:
            raise AssertionError("exponent(%r) accepted" % (bad,))
        assert not currency.is_currency(bad)
    assert currency.is_currency("CHF")
    assert code_of("1.00", "usd") == "currency_invalid"


def test_parse_examples():
    assert parse_amount("1000.00", "USD") == 100000
    assert parse_amount("1000", "USD") == 100000
    assert parse_amount("0.01", "USD") == 1
    assert parse_amount("1.5", "USD") == 150
    assert parse_amount("12.345", "KWD") == 12345
    assert parse_amount("5000", "JPY") == 5000
    assert parse_amount("007.10", "EUR") == 710
    # zeros past the currency's digits are exact: accepted, nothing is rounded
    assert parse_amount("1.500", "USD") == 150
    assert parse_amount("100.0", "JPY") == 100


def test_strict_digits():
    assert parse_amount("1.50", "USD", strict=True) == 150
    assert parse_amount("1.5", "USD", strict=True) == 150
    assert parse_amount("7", "JPY", strict=True) == 7
    assert code_of("1.500", strict=True) == "amount_too_precise"
    assert code_of("7.0", "JPY", strict=True) == "amount_too_precise"
    assert parse_amount("1.234", "KWD", strict=True) == 1234
    assert code_of("1.2345", "KWD", strict=True) == "amount_too_precise"
    assert code_of("1.5x0", strict=True) == "amount_invalid"


def test_never_rounds():
    assert code_of("0.001") == "amount_too_precise"
    assert code_of("1000.005") == "amount_too_precise"
    assert code_of("0.5", "JPY") == "amount_too_precise"
    assert code_of("1.2345", "KWD") == "amount_too_precise"


def test_syntax():
    for bad in ("", ".", "1.", ".5", "1..2", "1.2.3", "+1", "1e3", "1E3", " 1", "1 ", "1,000",
                "0x10", "--1", "-", "abc", "1_000", "\u0661", "NaN", "Infinity", "1.0.", "-.5"):
        assert code_of(bad) == "amount_invalid", bad


def test_sign_and_zero():
    assert code_of("-1.00") == "amount_negative"
    assert code_of("-5", "JPY") == "amount_negative"
    assert code_of("0") == "amount_must_not_be_zero"
    assert code_of("0.00") == "amount_must_not_be_zero"
    assert code_of("-0") == "amount_must_not_be_zero"
    assert parse_amount("0.00", "USD", allow_zero=True) == 0


def test_bounds():
    top = (1 << 63) - 1
    assert currency.MAX_AMOUNT == top
    assert parse_amount("92233720368547758.07", "USD") == top
    assert code_of("92233720368547758.08") == "amount_too_large"
    assert parse_amount("9223372036854775807", "JPY") == top
    assert code_of("9223372036854775808", "JPY") == "amount_too_large"
    assert code_of("1" + "0" * 30) == "amount_too_large"
    assert code_of("9" * 70) == "amount_invalid"  # longer than any amount: not even parsed


def test_other_types():
    D = kjson.Decimal
    assert parse_amount(D("1000.00"), "USD") == 100000
    assert parse_amount(kjson.loads_exact("12.34"), "EUR") == 1234
    assert parse_amount(7, "USD") == 700  # an int is whole units of the currency
    assert parse_amount(7, "JPY") == 7
    assert code_of(D("0.001")) == "amount_too_precise"
    assert code_of(D("-1")) == "amount_negative"
    assert code_of(D("1e30")) == "amount_too_large"
    assert code_of(0) == "amount_must_not_be_zero"
    assert code_of(-3) == "amount_negative"
    assert code_of(1.5) == "amount_invalid"  # a float is not exact
    assert code_of(True) == "amount_invalid"
    assert code_of(None) == "amount_invalid"
    assert code_of(b"1.00") == "amount_invalid"


def test_format():
    assert format_amount(100000, "USD") == "1000.00"
    assert format_amount(1, "USD") == "0.01"
    assert format_amount(0, "USD") == "0.00"
    assert format_amount(-150, "EUR") == "-1.50"
    assert format_amount(5000, "JPY") == "5000"
    assert format_amount(5, "KWD") == "0.005"
    assert format_amount(12345, "KWD") == "12.345"
    for units in (0, 1, 9, 10, 99, 100, 101, 123456789, (1 << 63) - 1):
        for cur in ("USD", "JPY", "KWD"):
            if units:
                assert parse_amount(format_amount(units, cur), cur) == units
    try:
        format_amount(1.5, "USD")
    except TypeError:
        pass
    else:
        raise AssertionError("format_amount took a float")
