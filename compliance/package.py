"""The compliance package as the kernel sees it (kernel/PACKAGES.md). So far its configuration:
the [compliance] section of banking.toml, validated at boot (the AML threshold is exact money
in the currency's minor units); the screening service attaches here when it exists."""
from kernel import config
from transaction.currency import CURRENCIES

NAME = "compliance"


def _currency(v, sect):
    if type(v) is not str or len(v) != 3:
        raise config.Invalid("expected an ISO 4217 currency code like \"USD\", got %s"
                             % config.show(v))
    if v not in CURRENCIES:
        up = v.upper()
        if up in CURRENCIES:
            raise config.Invalid("currency codes are written in capitals: \"%s\", got %s"
                                 % (up, config.show(v)))
        raise config.Invalid("unknown ISO 4217 currency code %s" % config.show(v))
    return v


def _money(v, sect):
    """An amount in [compliance] aml_currency -> minor units (int > 0); never a float."""
    places = CURRENCIES[sect["aml_currency"]]
    if type(v) is int:
        if v <= 0:
            raise config.Invalid("must be greater than 0, got %d" % v)
        return v * (10 ** places)
    if type(v) is float:
        raise config.Invalid("write the amount as a string like \"10000.00\" (floats are not "
                             "exact), got %s" % config.show(v))
    n = config.decimal(v, places, "an amount in " + sect["aml_currency"], "10000.00")
    if n <= 0:
        raise config.Invalid("must be greater than 0, got %s" % config.show(v))
    return n


def _format_money(n, sect):
    places = CURRENCIES[sect["aml_currency"]]
    return config.format_decimal(n, places, places)


SECTIONS = (
    ("compliance", config.BANKING, (
        ("sanctions_screening", "sanctions_screening", config.boolean, None, True),
        ("aml_currency", "aml_currency", _currency, None, "USD"),
        ("aml_threshold", "aml_threshold_minor", _money, _format_money, "10000.00"),
    ), None),
)
