"""The compliance package as the kernel sees it (kernel/PACKAGES.md): the [compliance] section
of banking.toml (thresholds exact: money in the currency's minor units, scores in basis
points) and attach(k), which builds the ComplianceService (service.py) on the ledger's log."""
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


def _name(v, sect):
    if type(v) is not str or not 1 <= len(v) <= 140:
        raise config.Invalid("expected a name of 1..140 characters, got %s" % config.show(v))
    return v


def _format_money(n, sect):
    places = CURRENCIES[sect["aml_currency"]]
    return config.format_decimal(n, places, places)


def _threshold(v, sect):
    """A score threshold "0.95" (exact, at most 4 places) -> basis points 9500."""
    if type(v) is float:
        raise config.Invalid("write the threshold as a string like \"0.95\" (floats are not "
                             "exact), got %s" % config.show(v))
    n = config.decimal(v, 4, "a score between 0 and 1", "0.95")
    if not 0 < n <= 10000:
        raise config.Invalid("must be above 0 and at most 1, got %s" % config.show(v))
    return n


def _format_threshold(n, sect):
    return config.format_decimal(n, 4, 2)


def _strings(check, most, what):
    def parse(v, sect):
        if type(v) is not list and type(v) is not tuple:
            raise config.Invalid("expected a list of %s, got %s" % (what, config.show(v)))
        if len(v) > most:
            raise config.Invalid("at most %d %s, got %d" % (most, what, len(v)))
        out = []
        for x in v:
            x = check(x)
            if x in out:
                raise config.Invalid("%s is listed twice" % config.show(x))
            out.append(x)
        return tuple(out)
    return parse


JURISDICTIONS = ("EU", "UK", "US")     # screening.JURISDICTION_LISTS says which lists apply


def _jurisdiction(x):
    if type(x) is not str or x not in JURISDICTIONS:
        raise config.Invalid("unknown jurisdiction %s (known: %s)"
                             % (config.show(x), ", ".join(JURISDICTIONS)))
    return x


def _account(x):
    if type(x) is not str or not 1 <= len(x) <= 64 or x.strip(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-"):
        raise config.Invalid("expected an account id (1..64 of A-Z a-z 0-9 _ . -), got %s"
                             % config.show(x))
    return x


def _country(x):
    if type(x) is not str or len(x) != 2 or not ("A" <= x[0] <= "Z" and "A" <= x[1] <= "Z"):
        raise config.Invalid("expected an ISO 3166 country code like \"KP\", got %s"
                             % config.show(x))
    return x


def _list_text(v, sect):
    return list(v)


# FATF's "high-risk jurisdictions subject to a call for action" (stable since 2020). The
# FATF grey list changes three times a year: a bank adds it here from its own assessment.
HIGH_RISK = ("IR", "KP", "MM")

SECTIONS = (
    ("compliance", config.BANKING, (
        ("sanctions_screening", "sanctions_screening", config.boolean, None, True),
        ("aml_currency", "aml_currency", _currency, None, "USD"),
        ("aml_threshold", "aml_threshold_minor", _money, _format_money, "10000.00"),
        ("screening_threshold", "screening_threshold_bp", _threshold, _format_threshold,
         "0.95"),
        ("jurisdictions", "jurisdictions", _strings(_jurisdiction, 3, "jurisdictions"),
         _list_text, ("US", "EU", "UK")),
        ("require_kyc", "require_kyc", config.boolean, None, False),
        ("cash_accounts", "cash_accounts", _strings(_account, 64, "account ids"),
         _list_text, ()),
        ("internal_accounts", "internal_accounts", _strings(_account, 64, "account ids"),
         _list_text, ()),
        ("high_risk_countries", "high_risk_countries", _strings(_country, 250, "countries"),
         _list_text, HIGH_RISK),
        ("max_customers", "max_customers", config.int_range(1, 10000000), None, 100000),
        ("max_cases", "max_cases", config.int_range(1, 1000000), None, 100000),
        ("max_alerts", "max_alerts", config.int_range(1, 1000000), None, 100000),
        ("institution_name", "institution_name", _name, None, "QENEX Bank"),
    ), None),
)

FIELDS = ("lists", "list_entries", "screenings", "screening_hits", "held", "cases_open",
          "customers", "alerts_open")
FIGURES_SCHEMA = {"type": "object", "required": list(FIELDS),
                  "additionalProperties": {"type": "number"}}
PROMETHEUS = (
    ("lists", "qenex_compliance_lists", "gauge", "Sanctions and PEP lists in force."),
    ("list_entries", "qenex_compliance_list_entries", "gauge", "Entries of the lists in force."),
    ("screenings", "qenex_compliance_screenings_total", "counter", "Screenings run."),
    ("screening_hits", "qenex_compliance_screening_hits_total", "counter",
     "Screenings with a match at or above the threshold."),
    ("held", "qenex_compliance_held_total", "counter", "Transfers held for review."),
    ("refused", "qenex_compliance_refused_total", "counter",
     "Transfers refused (KYC, held pending transfer, screening unavailable)."),
    ("cases_open", "qenex_compliance_cases_open", "gauge", "Open compliance cases."),
    ("customers", "qenex_compliance_customers", "gauge", "KYC customers."),
    ("alerts_open", "qenex_compliance_alerts_open", "gauge", "Open AML alerts."),
)


def attach(k):
    """Build the ComplianceService on the ledger's log and hand it to the kernel."""
    from kernel import commands
    from compliance import api, console, service

    ledger = k.services["transaction"]
    svc = service.ComplianceService(k.sched, k.cfg, k.clock_ns, k.log, ledger,
                                    module=k.module, security=k.services.get("security"))
    disk = k.devices.disk if k.devices is not None else None

    def health():
        if disk is None:
            return (commands.NOT_PRESENT, "")
        return svc.health()

    k.add_component("compliance", health, required=False)
    for name, usage, help, handler, nargs, most in console.commands(svc):
        k.add_command(name, usage, help, handler, nargs=nargs, max_args=most)
    k.add_metrics("compliance", svc.figures, FIELDS,
                  "compliance: lists, screenings, held transfers, cases, customers, alerts",
                  FIGURES_SCHEMA, PROMETHEUS)
    k.add_routes(lambda router: api.ComplianceApi(svc).install(router))
    k.run_before_prompt("compliance", svc.start)
    return svc
