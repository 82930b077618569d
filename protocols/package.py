"""The message-format package as the kernel sees it (kernel/PACKAGES.md). So far its
configuration: the [swift] section of banking.toml, validated at boot (the institution's BIC);
the formats' service attaches here when it exists."""
from kernel import config

NAME = "protocols"


def _bic(v, sect):
    """A BIC (ISO 9362): 4-letter bank, 2-letter country, 2 location and 3 optional branch
    characters, in capitals."""
    show = config.show
    if type(v) is not str:
        raise config.Invalid("expected a BIC like \"DEUTDEFF\" or \"DEUTDEFF500\", got %s"
                             % show(v))
    if len(v) != 8 and len(v) != 11:
        raise config.Invalid("a BIC has 8 or 11 characters, got %s (%d)" % (show(v), len(v)))
    for i in range(len(v)):
        c = v[i]
        letter = "A" <= c <= "Z"
        if i < 6 and not letter:
            if "a" <= c <= "z":
                raise config.Invalid("a BIC is written in capitals, got %s" % show(v))
            raise config.Invalid("a BIC starts with a 4-letter bank code and a 2-letter "
                                 "country code, got %s" % show(v))
        if i >= 6 and not (letter or "0" <= c <= "9"):
            if "a" <= c <= "z":
                raise config.Invalid("a BIC is written in capitals, got %s" % show(v))
            raise config.Invalid("a BIC's location and branch codes are letters or digits, "
                                 "got %s" % show(v))
    return v


def _check_swift(sect, err):
    if sect["enabled"] and sect["bic"] is None:
        raise err("enabled", "bic is required when enabled = true")


SECTIONS = (
    ("swift", config.BANKING, (
        ("enabled", "enabled", config.boolean, None, False),
        ("bic", "bic", _bic, None, None),
    ), _check_swift),
)
