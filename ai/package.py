"""The fraud and risk package as the kernel sees it (kernel/PACKAGES.md). So far its
configuration: the [ai] section of banking.toml, validated at boot; the scoring service
attaches here when it exists."""
from kernel import config

NAME = "ai"


def _basis_points(v, sect):
    """A probability 0..1 as an exact decimal string -> basis points (int 0..10000)."""
    if type(v) is int:
        if v not in (0, 1):
            raise config.Invalid("must be between 0 and 1, got %d" % v)
        return v * 10000
    if type(v) is float:
        raise config.Invalid("write the threshold as a string like \"0.85\" (floats are not "
                             "exact), got %s" % config.show(v))
    n = config.decimal(v, 4, "a decimal", "0.85")
    if n > 10000:
        raise config.Invalid("must be between 0 and 1, got %s" % config.show(v))
    return n


def _format_bp(n, sect):
    return config.format_decimal(n, 4, 1)


def _model_name(v, sect):
    if type(v) is not str or not v:
        raise config.Invalid("expected a model name like \"baseline\", got %s" % config.show(v))
    if len(v) > 64:
        raise config.Invalid("a model name has at most 64 characters, got %d" % len(v))
    for c in v:
        if not (("a" <= c <= "z") or ("0" <= c <= "9") or c in "._-"):
            raise config.Invalid("a model name uses a-z, 0-9, '.', '_' and '-', got %s"
                                 % config.show(v))
    return v


SECTIONS = (
    ("ai", config.BANKING, (
        ("fraud_threshold", "fraud_threshold_bp", _basis_points, _format_bp, "0.85"),
        ("risk_model", "risk_model", _model_name, None, "baseline"),
    ), None),
)
