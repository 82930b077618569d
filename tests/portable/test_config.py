# Portable tests for kernel/config.py: run by pytest on CPython and by the in-kernel test
# runner on MicroPython.  Plain functions, assert and try/except only; TOML text is embedded.
from kernel import config
from transaction import currency
from tests.portable.support.asserts import raises

MiB = 1024 * 1024


def system(text):
    return config.load(text, None)


def banking(text):
    return config.load(None, text)


def sys_err(text):
    return raises(config.ConfigError, config.load, text, None)


def bank_err(text):
    return raises(config.ConfigError, config.load, None, text)


def sys_value(section, key, line):
    """The stored value of [section] with one line of text."""
    return system("[%s]\n%s\n" % (section, line))[section]


def sys_bad(section, line, fragment):
    e = sys_err("[%s]\n%s\n" % (section, line))
    assert e.line == 2, str(e)
    assert e.file == "system.toml", str(e)
    assert fragment in str(e), str(e)
    return e


def bank_bad(section, line, fragment):
    e = bank_err("[%s]\n%s\n" % (section, line))
    assert e.line == 2 and e.file == "banking.toml", str(e)
    assert fragment in str(e), str(e)
    return e


FULL_SYSTEM = """
# a complete system.toml
[kernel]
memory_limit = "1GiB"
# comments and blank lines count for the line numbers


[transaction]
max_concurrent = 128
timeout_seconds = 2.5
wal_segment_size = 67108864
max_accounts = 7
max_transfers = 900

[network]
address = "10.0.2.15/24"
gateway = "10.0.2.2"
port = 9000
"""

FULL_BANKING = """
[security]
password_min_length = 16
session_timeout_seconds = 600
max_failed_logins = 3
audit_log = true

[swift]
enabled = true
bic = "DEUTDEFF500"

[compliance]
sanctions_screening = false
aml_threshold = "15000.50"
aml_currency = "EUR"

[ai]
fraud_threshold = "0.9"
risk_model = "gbm-2024.1"
"""


# ---- defaults and complete files -----------------------------------------------------------


def test_defaults():
    cfg = config.defaults()
    assert cfg.as_dict() == {
        "kernel": {"memory_limit": 320 * MiB},
        "transaction": {"max_concurrent": 64, "timeout_ms": 30000,
                        "wal_segment_size": 16 * MiB, "max_accounts": 50000,
                        "max_transfers": 200000},
        "network": {"address": "dhcp", "gateway": None, "port": 8080, "max_connections": 100},
        "security": {"password_min_length": 12, "session_timeout_seconds": 900,
                     "max_failed_logins": 5, "lockout_seconds": 900, "audit_log": True,
                     "audit_capacity": 100000, "key_hash_iterations": 100000,
                     "rate_limit": 5000, "mfa_for_privileged": True, "public_monitoring": False,
                     "admin_key_hash": None,
                     "webauthn_rp_id": "localhost",
                     "webauthn_origin": "http://localhost:8080"},
        "access_windows": {"admin": None, "operator": None, "auditor": None,
                           "compliance_officer": None, "service": None},
        "swift": {"enabled": False, "bic": None},
        "compliance": {"sanctions_screening": True, "aml_currency": "USD",
                       "aml_threshold_minor": 1000000, "screening_threshold_bp": 9500,
                       "jurisdictions": ("US", "EU", "UK"), "require_kyc": False,
                       "cash_accounts": (), "internal_accounts": (),
                       "high_risk_countries": ("IR", "KP", "MM"), "max_customers": 100000,
                       "max_cases": 100000, "max_alerts": 100000,
                       "institution_name": "QENEX Bank"},
        "ai": {"fraud_threshold_bp": 8500, "risk_model": "baseline"},
    }
    assert cfg.files == {"system.toml": None, "banking.toml": None}
    assert cfg.source("kernel", "memory_limit") == "default"
    assert config.load("", "") == cfg
    assert config.load("# nothing\n", "\n") == cfg


def test_complete_files():
    cfg = config.load(FULL_SYSTEM, FULL_BANKING)
    assert cfg["kernel"] == {"memory_limit": 1024 * MiB}
    assert cfg["transaction"] == {"max_concurrent": 128, "timeout_ms": 2500,
                                  "wal_segment_size": 64 * MiB, "max_accounts": 7,
                                  "max_transfers": 900}
    assert cfg["network"] == {"address": "10.0.2.15/24", "gateway": "10.0.2.2", "port": 9000,
                              "max_connections": 100}
    assert cfg["security"] == {"password_min_length": 16, "session_timeout_seconds": 600,
                               "max_failed_logins": 3, "lockout_seconds": 900,
                               "audit_log": True, "audit_capacity": 100000,
                               "key_hash_iterations": 100000, "rate_limit": 5000,
                               "mfa_for_privileged": True, "public_monitoring": False,
                               "admin_key_hash": None,
                               "webauthn_rp_id": "localhost",
                               "webauthn_origin": "http://localhost:8080"}
    assert cfg["swift"] == {"enabled": True, "bic": "DEUTDEFF500"}
    comp = cfg["compliance"]
    assert (comp["sanctions_screening"], comp["aml_currency"], comp["aml_threshold_minor"]) \
        == (False, "EUR", 1500050)
    assert cfg["ai"] == {"fraud_threshold_bp": 9000, "risk_model": "gbm-2024.1"}
    assert cfg.files == {"system.toml": "system.toml", "banking.toml": "banking.toml"}


def test_sources_name_file_and_line():
    cfg = config.load(FULL_SYSTEM, "[security]\n\nmax_failed_logins = 3\n")
    assert cfg.source("kernel", "memory_limit") == "system.toml:4"
    assert cfg.source("transaction", "timeout_ms") == "system.toml:10"
    assert cfg.source("network", "port") == "system.toml:18"
    assert cfg.source("security", "max_failed_logins") == "banking.toml:3"
    assert cfg.source("security", "audit_log") == "default"
    assert cfg.source("nope", "x") is None


def test_config_object_api():
    cfg = config.load(FULL_SYSTEM, None)
    assert "kernel" in cfg and "nope" not in cfg
    assert cfg.get("kernel", "memory_limit") == 1024 * MiB
    assert cfg.get("kernel", "nope", 7) == 7
    assert cfg.get("nope", "x") is None
    d = cfg.as_dict()
    d["kernel"]["memory_limit"] = 99
    assert cfg["kernel"]["memory_limit"] == 1024 * MiB  # as_dict returns copies
    assert cfg != config.defaults()
    assert not (cfg == config.defaults())
    assert cfg == config.load(FULL_SYSTEM, None)


def test_bytes_and_custom_names():
    cfg = config.load(b"[network]\nmax_connections = 2\n", b"", system_name="sys-A.toml")
    assert cfg["network"]["max_connections"] == 2
    assert cfg.source("network", "max_connections") == "sys-A.toml:2"
    assert cfg.files["system.toml"] == "sys-A.toml"
    e = raises(config.ConfigError, config.load, b"[network]\nmax_connections = 0\n", None,
               system_name="sys-A.toml")
    assert str(e).startswith("sys-A.toml:2: [network] max_connections: ")


# ---- error format ----------------------------------------------------------------------------


def test_error_format_matches_the_spec_example():
    e = sys_err('# QENEX\n\n[kernel]\nmemory_limit = "lots"\n')
    assert str(e) == 'system.toml:4: [kernel] memory_limit: expected a size like "512MB", ' \
                     'got "lots"'
    assert isinstance(e, ValueError)
    assert (e.file, e.line, e.key) == ("system.toml", 4, "kernel.memory_limit")


def test_toml_syntax_errors_name_the_file_and_line():
    e = sys_err("[network]\nport = 1\n  port = 2\n")
    assert str(e) == "system.toml:3: col 3: duplicate key 'port'"
    assert e.key == "network.port"
    e = bank_err("[ai]\nrisk_model = baseline\n")
    assert str(e).startswith("banking.toml:2: col 14: invalid value 'baseline' (strings must "
                             "be quoted")
    e = sys_err("[kernel\n")
    assert e.file == "system.toml" and e.line == 1


def test_config_error_str_without_line():
    assert str(config.ConfigError("boom", "x.toml")) == "x.toml: boom"
    assert str(config.ConfigError("boom")) == "config: boom"
    assert str(config.ConfigError("boom", "x.toml", 3, "a.b")) == "x.toml:3: boom"


# ---- unknown sections and keys ---------------------------------------------------------------


def test_unknown_section_with_suggestion():
    e = sys_err("[kernel]\nmemory_limit = \"1GB\"\n[kernal]\nmemory_limit = \"2GB\"\n")
    assert str(e) == "system.toml:3: unknown section [kernal] (did you mean [kernel]?)"
    assert e.key == "kernal"
    e = sys_err("[zzz]\n")
    assert str(e) == "system.toml:1: unknown section [zzz]"


def test_section_in_the_wrong_file():
    e = sys_err("[swift]\nenabled = false\n")
    assert str(e) == "system.toml:1: section [swift] belongs in banking.toml, not system.toml"
    e = bank_err("\n[kernel]\n")
    assert str(e) == "banking.toml:2: section [kernel] belongs in system.toml, not banking.toml"


def test_unknown_key_with_suggestion():
    e = sys_err('[kernel]\nmemroy_limit = "1GB"\n')
    assert str(e) == "system.toml:2: [kernel] unknown key 'memroy_limit' (did you mean " \
                     "'memory_limit'?)"
    assert e.key == "kernel.memroy_limit"
    e = sys_err("[kernel]\nport = 80\n")
    assert str(e) == "system.toml:2: [kernel] unknown key 'port' (it belongs in [network])"
    e = sys_err("[kernel]\ncolour = 1\n")
    assert str(e) == "system.toml:2: [kernel] unknown key 'colour'"


def test_unknown_sub_table_and_dotted_keys():
    e = sys_err("[kernel]\nmemory_limit = \"1GB\"\n[kernel.extra]\nx = 1\n")
    assert str(e) == "system.toml:3: [kernel] unknown key 'extra'"
    e = sys_err("[kernel]\nmemory.limit = 1\n")
    assert str(e).startswith("system.toml:2: [kernel] unknown key 'memory'")
    e = sys_err("network.max_connections = 0\n")  # dotted keys at the top level: a section
    assert str(e).startswith("system.toml:1: [network] max_connections: must be between 1 and "
                             "100")


def test_keys_outside_sections():
    e = sys_err("memory_limit = \"1GB\"\n")
    assert str(e) == "system.toml:1: key 'memory_limit' must be inside its section [kernel]"
    e = sys_err("x = 1\n")
    assert str(e) == "system.toml:1: unknown key 'x' outside any section"
    e = sys_err("kernel = 5\n")
    assert str(e) == "system.toml:1: kernel must be a table: write [kernel]"
    e = sys_err("[[kernel]]\nmemory_limit = \"1GB\"\n")
    assert str(e) == "system.toml:1: kernel must be a table: write [kernel]"
    e = sys_err("audit_log = true\n")
    assert str(e) == "system.toml:1: unknown key 'audit_log' outside any section"


def test_first_error_in_document_order_is_reported():
    text = "[network]\nport = 1\n[kernel]\nbogus1 = 1\n[transaction]\nbogus2 = 2\n[zzz]\n"
    assert sys_err(text).line == 4
    text = "[kernel]\nmemory_limit = 0\n[zzz]\n"  # unknown names are checked before values
    assert sys_err(text).line == 3


# ---- [kernel] --------------------------------------------------------------------------------


def test_memory_limit_sizes():
    cases = [('"512MB"', 512 * MiB), ('"1GiB"', 1024 * MiB), ('"64M"', 64 * MiB),
             ('"1.5GiB"', 1536 * MiB), ('"512 mb"', 512 * MiB), ('" 32MiB "', 32 * MiB),
             ('"1T"', 1024 * 1024 * MiB), ('"16384K"', 16 * MiB), ('"16777216"', 16 * MiB),
             ('"16777216B"', 16 * MiB), ("16777216", 16 * MiB), ("0x1000_0000", 256 * MiB)]
    for text, want in cases:
        assert sys_value("kernel", "memory_limit", "memory_limit = " + text)["memory_limit"] \
            == want, text


def test_memory_limit_errors():
    sys_bad("kernel", 'memory_limit = "lots"', 'expected a size like "512MB", got "lots"')
    sys_bad("kernel", 'memory_limit = "12XB"', 'got "12XB"')
    sys_bad("kernel", 'memory_limit = ""', 'got ""')
    sys_bad("kernel", 'memory_limit = "-1MB"', 'got "-1MB"')
    sys_bad("kernel", 'memory_limit = "1.2.3M"', 'got "1.2.3M"')
    sys_bad("kernel", 'memory_limit = "MB"', 'got "MB"')
    sys_bad("kernel", "memory_limit = true", "got true")
    sys_bad("kernel", "memory_limit = 1.5", "got 1.5")
    sys_bad("kernel", "memory_limit = -5", "cannot be negative")
    sys_bad("kernel", 'memory_limit = "8MB"', 'must be at least 16MiB, got "8MB"')
    sys_bad("kernel", 'memory_limit = "2TiB"', "must be at most 1TiB")
    sys_bad("kernel", 'memory_limit = "16.0000001MiB"', "not a whole number of bytes")


def test_parse_and_format_size():
    assert config.parse_size("1.5KiB") == 1536
    assert config.parse_size("0") == 0
    assert config.parse_size(7) == 7
    raises(ValueError, config.parse_size, "1.5B")
    raises(ValueError, config.parse_size, None)
    assert config.format_size(256 * MiB) == "256MiB"
    assert config.format_size(1536) == "1536B"
    assert config.format_size(3 * 1024) == "3KiB"
    assert config.format_size(1024 * 1024 * MiB) == "1TiB"
    assert config.format_size(1000) == "1000B"
    assert config.format_size(0) == "0B"


def test_integer_keys_and_the_removed_cpu_cores_and_io_threads():
    assert sys_value("network", "x", "max_connections = 100")["max_connections"] == 100
    assert sys_value("network", "x", "max_connections = 1")["max_connections"] == 1
    sys_bad("network", "max_connections = 0",
            "[network] max_connections: must be between 1 and 100, got 0")
    sys_bad("network", "max_connections = 101", "got 101")
    sys_bad("network", 'max_connections = "4"', 'expected an integer, got "4"')
    sys_bad("network", "max_connections = true", "expected an integer, got true")
    sys_bad("network", "max_connections = 2.0", "expected an integer, got 2.0")
    sys_bad("network", "port = 65536", "between 1 and 65535")
    sys_bad("network", "port = -1", "got -1")
    # Nothing read them: they are unknown keys now (CHANGELOG.md).
    sys_bad("kernel", "cpu_cores = 1", "[kernel] unknown key 'cpu_cores'")
    sys_bad("kernel", "io_threads = 2", "[kernel] unknown key 'io_threads'")


# ---- [transaction] ---------------------------------------------------------------------------


def test_timeout_seconds_to_milliseconds():
    for text, ms in (("30", 30000), ("2.5", 2500), ("0.001", 1), ("86400", 86400000),
                     ("1e1", 10000), ("0.1", 100), ("1.0006", 1001), ("1", 1000)):
        got = sys_value("transaction", "t", "timeout_seconds = " + text)["timeout_ms"]
        assert got == ms, (text, got)


def test_timeout_errors():
    sys_bad("transaction", "timeout_seconds = 0", "between 0.001 and 86400 seconds, got 0")
    sys_bad("transaction", "timeout_seconds = -1", "got -1")
    sys_bad("transaction", "timeout_seconds = -0.5", "got -0.5")
    sys_bad("transaction", "timeout_seconds = 0.0001", "got 0.0001")
    sys_bad("transaction", "timeout_seconds = 86401", "got 86401")
    sys_bad("transaction", 'timeout_seconds = "30s"', 'like 30 or 2.5, got "30s"')
    sys_bad("transaction", "timeout_seconds = nan", "got nan")
    sys_bad("transaction", "timeout_seconds = inf", "got inf")
    sys_bad("transaction", "timeout_seconds = true", "got true")


def test_capacity_limits():
    v = sys_value("transaction", "x", "max_accounts = 1\nmax_transfers = 1000000000")
    assert v["max_accounts"] == 1 and v["max_transfers"] == 1000000000
    for bad in ("max_accounts = 0", "max_accounts = 100000001", "max_transfers = 0",
                'max_transfers = "many"'):
        sys_bad("transaction", bad, bad.split()[0])


def test_max_concurrent_and_wal_segment_size():
    v = sys_value("transaction", "x", 'max_concurrent = 1\nwal_segment_size = "64KiB"')
    assert v["max_concurrent"] == 1 and v["wal_segment_size"] == 65536
    v = sys_value("transaction", "x", 'wal_segment_size = "1GB"')
    assert v["wal_segment_size"] == 1024 * MiB
    sys_bad("transaction", "max_concurrent = 0", "between 1 and 65536")
    sys_bad("transaction", "max_concurrent = 65537", "got 65537")
    sys_bad("transaction", "wal_segment_size = 100000", "must be a multiple of 4KiB, got 100000")
    sys_bad("transaction", 'wal_segment_size = "32KiB"', "must be at least 64KiB")
    sys_bad("transaction", 'wal_segment_size = "2GiB"', "must be at most 1GiB")
    sys_bad("transaction", "wal_segment_size = [1]", "got [1]")


# ---- [network] -------------------------------------------------------------------------------


def test_network_static_and_params():
    cfg = system(FULL_SYSTEM)
    assert config.network_params(cfg) == {
        "dhcp": False, "ip": (10, 0, 2, 15), "prefix": 24, "netmask": (255, 255, 255, 0),
        "gateway": (10, 0, 2, 2), "port": 9000}
    cfg = system('[network]\naddress = "192.168.1.77/20"\ngateway = "192.168.0.1"\n')
    p = config.network_params(cfg)
    assert p["netmask"] == (255, 255, 240, 0) and p["gateway"] == (192, 168, 0, 1)
    assert p["port"] == 8080
    cfg = system('[network]\naddress = "10.1.2.3/32"\n')
    assert config.network_params(cfg)["netmask"] == (255, 255, 255, 255)


def test_network_dhcp():
    p = config.network_params(config.defaults())
    assert p == {"dhcp": True, "ip": None, "prefix": None, "netmask": None, "gateway": None,
                 "port": 8080}


def test_network_address_errors():
    sys_bad("network", 'address = "10.0.2.15"', "the prefix length is missing")
    sys_bad("network", 'address = "DHCP"', 'expected "dhcp" or an IPv4 address')
    sys_bad("network", 'address = "10.0.2.256/24"', 'got "10.0.2.256/24"')
    sys_bad("network", 'address = "010.0.2.15/24"', "got")
    sys_bad("network", 'address = "10.0.2/24"', "got")
    sys_bad("network", 'address = "10.0.2.15/33"', "prefix length must be 1..32")
    sys_bad("network", 'address = "10.0.2.15/0"', "prefix length must be 1..32")
    sys_bad("network", 'address = "10.0.2.15/024"', "prefix length")
    sys_bad("network", 'address = "10.0.2.0/24"', "network or broadcast address")
    sys_bad("network", 'address = "10.0.2.255/24"', "network or broadcast address")
    sys_bad("network", 'address = "127.0.0.1/8"', "not a usable host address")
    sys_bad("network", 'address = "0.1.2.3/8"', "not a usable host address")
    sys_bad("network", 'address = "224.0.0.1/4"', "not a usable host address")
    sys_bad("network", "address = 10", "got 10")


def test_network_gateway_errors():
    e = sys_err('[network]\naddress = "dhcp"\ngateway = "10.0.2.2"\n')
    assert str(e) == "system.toml:3: [network] gateway: a gateway is set only with a static " \
                     "address (DHCP supplies it)"
    e = sys_err('[network]\ngateway = "10.0.2.2"\n')
    assert e.line == 2 and "only with a static address" in str(e)
    e = sys_err('[network]\naddress = "10.0.2.15/24"\n\ngateway = "10.0.3.2"\n')
    assert str(e) == 'system.toml:4: [network] gateway: gateway "10.0.3.2" is outside the ' \
                     'subnet of address "10.0.2.15/24"'
    e = sys_err('[network]\naddress = "10.0.2.15/24"\ngateway = "10.0.2.15"\n')
    assert "own address" in str(e) and e.line == 3
    e = sys_err('[network]\naddress = "10.0.2.15/24"\ngateway = "10.0.2.255"\n')
    assert "broadcast" in str(e) and e.line == 3
    e = sys_err('[network]\naddress = "10.0.2.15/24"\ngateway = "10.0.2"\n')
    assert "expected an IPv4 address" in str(e) and e.line == 3


def test_network_port():
    assert sys_value("network", "p", "port = 1")["port"] == 1
    assert sys_value("network", "p", "port = 65535")["port"] == 65535
    sys_bad("network", "port = 0", "between 1 and 65535")
    sys_bad("network", "port = 65536", "got 65536")
    sys_bad("network", 'port = "8080"', 'got "8080"')


def test_parse_ipv4_and_cidr():
    assert config.parse_ipv4("0.0.0.0") == (0, 0, 0, 0)
    assert config.parse_ipv4("255.255.255.255") == (255, 255, 255, 255)
    for bad in ("1.2.3", "1.2.3.4.5", "1.2.3.x", "1.2.3.-4", "01.2.3.4", "1.2.3.4 ", "",
                "1..3.4", "1.2.3.2555", "\u0661.2.3.4"):
        raises(ValueError, config.parse_ipv4, bad)
    assert config.parse_cidr("172.16.5.4/12") == ((172, 16, 5, 4), 12)
    raises(ValueError, config.parse_cidr, "172.16.5.4")


# ---- [security] ------------------------------------------------------------------------------


def test_security():
    v = banking("[security]\npassword_min_length = 8\nsession_timeout_seconds = 60\n"
                "max_failed_logins = 100\naudit_log = true\nlockout_seconds = 30\n"
                "audit_capacity = 5000\nkey_hash_iterations = 20000\nrate_limit = 10\n"
                "mfa_for_privileged = false\n"
                'admin_key_hash = "0123456789abcdef$20000$00ff$' + "ab" * 32 + '"\n'
                )["security"]
    assert v == {"password_min_length": 8, "session_timeout_seconds": 60,
                 "max_failed_logins": 100, "audit_log": True, "lockout_seconds": 30,
                 "audit_capacity": 5000, "key_hash_iterations": 20000, "rate_limit": 10,
                 "mfa_for_privileged": False, "public_monitoring": False,
                 "admin_key_hash": "0123456789abcdef$20000$00ff$" + "ab" * 32,
                 "webauthn_rp_id": "localhost", "webauthn_origin": "http://localhost:8080"}
    bank_bad("security", "audit_log = false", "the audit trail cannot be turned off")
    bank_bad("security", 'admin_key_hash = "abc"', "expected KEYID$ITERATIONS$SALT$HASH")
    bank_bad("security", "audit_capacity = 10", "between 1000 and 10000000")
    bank_bad("security", "password_min_length = 7", "between 8 and 128, got 7")
    bank_bad("security", "password_min_length = 129", "got 129")
    bank_bad("security", "session_timeout_seconds = 59", "between 60 and 86400")
    bank_bad("security", "session_timeout_seconds = 900.0", "expected an integer")
    bank_bad("security", "max_failed_logins = 0", "between 1 and 100")
    bank_bad("security", "mfa_for_privileged = 1", "expected true or false, got 1")


# ---- [swift] ---------------------------------------------------------------------------------


def test_swift():
    v = banking('[swift]\nenabled = true\nbic = "DEUTDEFF"\n')["swift"]
    assert v == {"enabled": True, "bic": "DEUTDEFF"}
    v = banking('[swift]\nbic = "QENXUS33XXX"\n')["swift"]
    assert v == {"enabled": False, "bic": "QENXUS33XXX"}
    for good in ("BOFAUS3N", "CHASUS33", "NWBKGB2L", "DEUTDEFF500", "AAAABB00", "AAAABB0A123"):
        assert banking('[swift]\nbic = "%s"\n' % good)["swift"]["bic"] == good


def test_swift_errors():
    e = bank_err("[swift]\nenabled = true\n")
    assert str(e) == "banking.toml:2: [swift] enabled: bic is required when enabled = true"
    e = bank_err("swift.enabled = true\n")
    assert e.line == 1 and "bic is required" in str(e)
    bank_bad("swift", 'bic = "deutdeff"', "written in capitals")
    bank_bad("swift", 'bic = "DEUTDEff"', "written in capitals")
    bank_bad("swift", 'bic = "DEUTDEFF5"', "8 or 11 characters")
    bank_bad("swift", 'bic = "DEUTDEFF50"', "8 or 11 characters, got \"DEUTDEFF50\" (10)")
    bank_bad("swift", 'bic = "DEU1DEFF"', "4-letter bank code")
    bank_bad("swift", 'bic = "DEUTD3FF"', "2-letter country code")
    bank_bad("swift", 'bic = "DEUTDEF-"', "letters or digits")
    bank_bad("swift", 'bic = "DEUTDEFF5-0"', "letters or digits")
    bank_bad("swift", "bic = 12345678", "expected a BIC")
    bank_bad("swift", 'enabled = "no"', "expected true or false")


# ---- [compliance] ----------------------------------------------------------------------------


def aml(currency_line, threshold_line):
    return banking("[compliance]\n%s\n%s\n" % (currency_line, threshold_line))["compliance"]


def test_aml_threshold_exact_minor_units():
    assert aml("", 'aml_threshold = "10000.00"')["aml_threshold_minor"] == 1000000
    assert aml("", 'aml_threshold = "10000"')["aml_threshold_minor"] == 1000000
    assert aml("", "aml_threshold = 10000")["aml_threshold_minor"] == 1000000
    assert aml("", 'aml_threshold = "10000.5"')["aml_threshold_minor"] == 1000050
    assert aml("", 'aml_threshold = "0.01"')["aml_threshold_minor"] == 1
    assert aml("", 'aml_threshold = "12345678901234567890.99"')["aml_threshold_minor"] == \
        1234567890123456789099
    v = aml('aml_currency = "JPY"', 'aml_threshold = "5000"')
    assert (v["sanctions_screening"], v["aml_currency"], v["aml_threshold_minor"]) == \
        (True, "JPY", 5000)
    assert aml('aml_currency = "JPY"', 'aml_threshold = "5000.00"')["aml_threshold_minor"] == 5000
    assert aml('aml_currency = "KWD"', 'aml_threshold = "1.234"')["aml_threshold_minor"] == 1234
    assert aml('aml_currency = "EUR"', 'aml_threshold = "1.230"')["aml_threshold_minor"] == 123
    # the default threshold follows the currency's minor unit
    assert aml('aml_currency = "JPY"', "")["aml_threshold_minor"] == 10000
    assert aml('aml_currency = "BHD"', "")["aml_threshold_minor"] == 10000000


def test_aml_threshold_currency_order_does_not_matter():
    v = banking('[compliance]\naml_threshold = "7.5"\naml_currency = "GBP"\n')["compliance"]
    assert v["aml_threshold_minor"] == 750 and v["aml_currency"] == "GBP"


def test_currency_exponent():
    # The ISO 4217 table is transaction/currency.py's; [compliance] checks against it.
    assert currency.exponent("USD") == 2
    assert currency.exponent("JPY") == 0
    assert currency.exponent("KWD") == 3


def test_aml_errors():
    bank_bad("compliance", "aml_threshold = 10000.0", "floats are not exact), got 10000.0")
    bank_bad("compliance", 'aml_threshold = "-5.00"', 'like "10000.00", got "-5.00"')
    bank_bad("compliance", 'aml_threshold = "1,000.00"', 'got "1,000.00"')
    bank_bad("compliance", 'aml_threshold = "10000.001"', "more than 2 decimal places")
    bank_bad("compliance", 'aml_threshold = "0.00"', "must be greater than 0")
    bank_bad("compliance", "aml_threshold = 0", "must be greater than 0")
    bank_bad("compliance", 'aml_threshold = ".5"', 'got ".5"')
    bank_bad("compliance", 'aml_threshold = "5."', 'got "5."')
    bank_bad("compliance", 'aml_threshold = " 5"', 'got " 5"')
    bank_bad("compliance", "aml_threshold = true", "got true")
    e = bank_err('[compliance]\naml_currency = "JPY"\naml_threshold = "5000.5"\n')
    assert e.line == 3 and "more than 0 decimal places" in str(e)
    bank_bad("compliance", 'aml_currency = "usd"', 'written in capitals: "USD"')
    bank_bad("compliance", 'aml_currency = "XYZ"', 'unknown ISO 4217 currency code "XYZ"')
    bank_bad("compliance", 'aml_currency = "US"', "like \"USD\"")
    bank_bad("compliance", "aml_currency = 840", "got 840")
    bank_bad("compliance", "sanctions_screening = 0", "expected true or false")


# ---- [ai] ------------------------------------------------------------------------------------


def test_fraud_threshold_basis_points():
    for text, bp in (('"0.85"', 8500), ('"1"', 10000), ('"1.0"', 10000), ('"0"', 0),
                     ("1", 10000), ("0", 0), ('"0.0001"', 1), ('"0.850000"', 8500),
                     ('"0.5"', 5000), ('"0.99"', 9900)):
        got = banking("[ai]\nfraud_threshold = %s\n" % text)["ai"]["fraud_threshold_bp"]
        assert got == bp, (text, got)


def test_ai_errors():
    bank_bad("ai", "fraud_threshold = 0.85", "floats are not exact), got 0.85")
    bank_bad("ai", 'fraud_threshold = "0.00001"', "more than 4 decimal places")
    bank_bad("ai", 'fraud_threshold = "1.01"', 'between 0 and 1, got "1.01"')
    bank_bad("ai", 'fraud_threshold = "-0.5"', 'got "-0.5"')
    bank_bad("ai", "fraud_threshold = 2", "between 0 and 1, got 2")
    bank_bad("ai", "fraud_threshold = true", "got true")
    bank_bad("ai", 'risk_model = ""', 'got ""')
    bank_bad("ai", 'risk_model = "Upper"', "uses a-z")
    bank_bad("ai", 'risk_model = "a b"', "uses a-z")
    bank_bad("ai", 'risk_model = "%s"' % ("m" * 65), "at most 64 characters, got 65")
    bank_bad("ai", "risk_model = 5", "expected a model name")
    assert banking('[ai]\nrisk_model = "%s"\n' % ("m" * 64))["ai"]["risk_model"] == "m" * 64


# ---- format_config -------------------------------------------------------------------------


def test_format_config_defaults():
    text = config.format_config(config.defaults())
    lines = text.split("\n")
    assert lines[0] == "# effective configuration: system.toml not loaded (defaults), " \
                       "banking.toml not loaded (defaults)"
    headers = [ln for ln in lines if ln.startswith("[")]
    assert headers == ["[access_windows]", "[ai]", "[compliance]", "[kernel]", "[network]",
                       "[security]", "[swift]", "[transaction]"]
    assert 'memory_limit = "320MiB"  # default' in lines
    assert 'fraud_threshold = "0.85"  # default' in lines
    assert "# bic is not set  # default" in lines
    assert "timeout_seconds = 30        # default" in lines
    assert text.endswith("\n")


def test_format_config_sources_and_alignment():
    cfg = config.load(FULL_SYSTEM, FULL_BANKING, banking_name="bank-A.toml")
    text = config.format_config(cfg)
    lines = text.split("\n")
    assert lines[0] == "# effective configuration: system.toml, banking.toml from bank-A.toml"
    assert "timeout_seconds = 2.5       # system.toml:10" in lines
    assert 'wal_segment_size = "64MiB"  # system.toml:11' in lines
    assert 'aml_threshold = "15000.50"                # bank-A.toml:14' in lines
    assert 'bic = "DEUTDEFF500"  # bank-A.toml:10' in lines


def test_format_config_round_trips_per_file():
    for sys_text, bank_text in ((FULL_SYSTEM, FULL_BANKING), (None, None),
                                ('[transaction]\ntimeout_seconds = 0.001\n'
                                 'wal_segment_size = "1.5MiB"\n[kernel]\nmemory_limit = 16777217\n',
                                 '[compliance]\naml_currency = "JPY"\naml_threshold = 1\n'
                                 '[ai]\nfraud_threshold = "0.0001"\n')):
        cfg = config.load(sys_text, bank_text)
        again = config.load(config.format_config(cfg, config.SYSTEM),
                            config.format_config(cfg, config.BANKING))
        assert again == cfg, config.format_config(cfg)
        assert again.as_dict() == cfg.as_dict()


def test_format_config_one_file_only():
    text = config.format_config(config.defaults(), config.BANKING)
    assert "[kernel]" not in text and "[swift]" in text and not text.startswith("#")


def test_network_max_connections():
    cfg = config.load("[network]\nmax_connections = 4\n", None)
    assert cfg["network"]["max_connections"] == 4
    try:
        config.load("[network]\nmax_connections = 101\n", None)
    except config.ConfigError as e:
        assert "system.toml:2: [network] max_connections" in str(e), str(e)
    else:
        assert False, "101 connections accepted"
