"""The console's metrics and debug figures as JSON for the HTTP API (and so for qenex-cli):

    GET /api/v1/metrics/cpu | memory | a package's kind (transactions, ...)
    GET /api/v1/debug/memory

`hw` provides cpu_stats(), mem_info(), memmap(), heap_usage() and heap_largest_free() (the
kernel's hw module; a fake in tests); `registry` is kernel/commands.py's (the packages'
metric kinds).
"""
from kernel import commands
from kernel.http import response

REGION_TYPES = {1: "usable", 2: "reserved", 3: "acpi_reclaimable", 4: "acpi_nvs", 5: "bad"}

NUMBER = {"type": "integer"}
CPU_SCHEMA = {"type": "object", "required": ["busy_us", "idle_us", "busy_percent"],
              "properties": {"busy_us": NUMBER, "idle_us": NUMBER,
                             "busy_percent": {"type": "number"},
                             "idle_percent": {"type": "number"}, "interrupts": NUMBER,
                             "timer_ticks": NUMBER, "tasks": NUMBER}}
MEMORY_SCHEMA = {"type": "object",
                 "required": ["heap_used_bytes", "heap_free_bytes", "heap_total_bytes"],
                 "additionalProperties": NUMBER}
DEBUG_SCHEMA = {"type": "object", "required": ["regions", "kernel", "heap", "paging", "dma"]}


class SystemApi:
    def __init__(self, hw, registry, sched):
        self.hw = hw
        self.registry = registry
        self.sched = sched

    def cpu(self):
        busy, idle, irqs, ticks = self.hw.cpu_stats()
        total = max(busy + idle, 1)
        return {"busy_us": busy, "idle_us": idle,
                "busy_percent": round(100.0 * busy / total, 2),
                "idle_percent": round(100.0 * idle / total, 2),
                "interrupts": irqs, "timer_ticks": ticks, "tasks": self.sched.task_count()}

    def memory(self):
        used, free, total = self.hw.heap_usage()
        m = self.hw.mem_info()
        big = self.hw.heap_largest_free()
        return {"heap_used_bytes": used, "heap_free_bytes": free, "heap_total_bytes": total,
                "heap_largest_free_bytes": big,
                "phys_total_bytes": m["phys_total"], "phys_usable_bytes": m["phys_usable"],
                "dma_used_bytes": m["dma_used"], "dma_limit_bytes": m["dma_limit"]}

    def kinds(self):
        return commands.BUILTIN_METRICS + self.registry.metric_kinds()

    def figures(self, kind):
        """A kind's figures: cpu, memory, or a package's (every number it gives)."""
        if kind == "cpu":
            return self.cpu()
        if kind == "memory":
            return self.memory()
        return self.registry.metrics(kind)

    def debug_memory(self):
        m = self.hw.mem_info()
        used, free, total = self.hw.heap_usage()
        return {
            "regions": [{"base": b, "length": n, "type": REGION_TYPES.get(t, "type %d" % t)}
                        for b, n, t in self.hw.memmap()],
            "kernel": {"start": m["kernel_start"], "end": m["kernel_end"],
                       "stack_bytes": m["stack_size"]},
            "heap": {"start": m["heap_start"], "size": m["heap_size"], "used": used, "free": free,
                     "total": total, "largest_free": self.hw.heap_largest_free()},
            "paging": {"pages_4k": m["pages_mapped_4k"], "pages_2m": m["pages_mapped_2m"],
                       "mapped_bytes": m["mapped_bytes"], "table_pages": m["page_table_pages"],
                       "table_pages_max": m["page_table_pages_max"]},
            "dma": {"used": m["dma_used"], "limit": m["dma_limit"]},
        }

    def handle_metrics(self, req):
        kind = req.params["kind"]
        kinds = self.kinds()
        if kind not in kinds:
            return response.json_response(response.error_body(
                "not_found", "metrics kind must be one of: " + ", ".join(kinds), "kind"), 404)
        return response.json_response(self.figures(kind))

    def handle_debug_memory(self, req):
        return response.json_response(self.debug_memory())

    def install(self, router):
        """Add the routes; the packages' metric kinds must be registered by then (their
        schemas go into the OpenAPI document)."""
        schemas = [CPU_SCHEMA, MEMORY_SCHEMA]
        for m in self.registry.metric_sets():
            schemas.append(m.schema or {"type": "object",
                                        "additionalProperties": {"type": "number"}})
        router.add("GET", "/api/v1/metrics/{kind}", self.handle_metrics, name="getMetricsKind",
                   tags=["system"],
                   summary="Figures by kind: " + ", ".join(self.kinds()),
                   responses={200: ("The figures", {"oneOf": schemas}),
                              404: ("Unknown kind", None)})
        router.add("GET", "/api/v1/debug/memory", self.handle_debug_memory, name="getDebugMemory",
                   tags=["system"], summary="Memory map, kernel image, heap, page tables and DMA",
                   responses={200: ("Memory details", DEBUG_SCHEMA)})
