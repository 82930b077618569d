# kernel/system_api.py with a fake hw: the JSON forms of the console's figures.
from kernel import commands, system_api
from transaction import package as tx_package


class FakeHw:
    def cpu_stats(self):
        return (250, 750, 12, 9)

    def heap_usage(self):
        return (100, 900, 1000)

    def heap_largest_free(self):
        return 640

    def mem_info(self):
        return {"phys_total": 4096, "phys_usable": 2048, "dma_used": 10, "dma_limit": 100,
                "kernel_start": 0x100000, "kernel_end": 0x300000, "stack_size": 8192,
                "heap_start": 0x400000, "heap_size": 1000, "pages_mapped_4k": 5,
                "pages_mapped_2m": 6, "mapped_bytes": 7, "page_table_pages": 8,
                "page_table_pages_max": 64}

    def memmap(self):
        return [(0, 0x9FC00, 1), (0x9FC00, 0x400, 2), (0xF0000, 0x10000, 7)]


class FakeSched:
    def task_count(self):
        return 3


class Req:
    def __init__(self, kind):
        self.params = {"kind": kind}


def api():
    return system_api.SystemApi(FakeHw(), commands.Registry(), FakeSched())


def test_cpu():
    c = api().cpu()
    assert c["busy_percent"] == 25.0 and c["idle_percent"] == 75.0
    assert (c["interrupts"], c["timer_ticks"], c["tasks"]) == (12, 9, 3)


def test_memory():
    m = api().memory()
    assert (m["heap_used_bytes"], m["heap_free_bytes"], m["heap_total_bytes"]) == (100, 900, 1000)
    assert m["dma_limit_bytes"] == 100 and m["phys_usable_bytes"] == 2048
    assert m["heap_largest_free_bytes"] == 640


def tx_api(figures):
    """The API with the transaction package's figures registered as its attach() does."""
    reg = commands.Registry()
    reg.register_metrics("transactions", figures, tx_package.FIELDS, "ledger",
                         tx_package.FIGURES_SCHEMA, tx_package.PROMETHEUS)
    return system_api.SystemApi(FakeHw(), reg, FakeSched())


def test_transactions_zero_without_ledger():
    assert tx_api(dict).figures("transactions") == {"committed": 0, "rejected": 0, "tps": 0,
                                                    "wal_bytes": 0}
    assert api().kinds() == ("cpu", "memory")


def test_debug_memory_region_names():
    d = api().debug_memory()
    assert [r["type"] for r in d["regions"]] == ["usable", "reserved", "type 7"]
    assert d["kernel"]["end"] == 0x300000 and d["paging"]["table_pages_max"] == 64
    assert (d["heap"]["free"], d["heap"]["largest_free"]) == (900, 640)


def test_metrics_handler_kinds():
    a = api()
    assert a.handle_metrics(Req("cpu")).status == 200
    bad = a.handle_metrics(Req("disk"))
    assert bad.status == 404
    assert b'"field": "kind"' in bad.body
    assert a.handle_metrics(Req("transactions")).status == 404
    ok = tx_api(lambda: {"committed": 2}).handle_metrics(Req("transactions"))
    assert ok.status == 200 and b'"committed": 2' in ok.body


def test_transactions_pass_the_ledgers_other_counters():
    t = tx_api(lambda: {"committed": 3, "rejected": 1, "tps": 2,
                        "wal_bytes": 4096, "wal_records": 5, "seals": 1,
                        "at_capacity": 0, "state": "up", "flag": True}).figures("transactions")
    assert t == {"committed": 3, "rejected": 1, "tps": 2, "wal_bytes": 4096,
                 "wal_records": 5, "seals": 1, "at_capacity": 0}
