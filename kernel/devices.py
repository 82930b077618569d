"""Device discovery at boot: enumerate PCI, attach the virtio drivers, and report them on the
console (`devices`, `disk info`) and in the component registry (`status`, later /health).

A device that is absent is "not present"; one that fails to initialise is reported with the
driver's message and the rest of the kernel goes on.
"""
from drivers import pci, virtio, virtio_blk, virtio_net, virtio_rng
from kernel import commands, entropy


class Devices:
    def __init__(self, hw, sched, log):
        self.hw = hw
        self.sched = sched
        self.functions = []
        self.disk = None
        self.rng = None
        self.errors = {}
        self.functions = pci.scan(hw)
        vhw = virtio.Hardware(hw)
        self.disk = self._attach("disk", virtio_blk.DEVICE_IDS, virtio_blk.VirtioBlk, vhw, log)
        self.rng = self._attach("entropy", virtio_rng.DEVICE_IDS, virtio_rng.VirtioRng, vhw, log)
        self.entropy = entropy.Entropy(self.rng, getattr(hw, "rdrand", None))
        self.nic = None
        found = virtio.find(self.functions, virtio_net.DEVICE_IDS)
        if found:
            try:
                import net
                self.nic = virtio_net.VirtioNet(found[0], vhw, sched, net)
            except (virtio.VirtioError, OSError, ValueError) as e:
                self.errors["network"] = str(e)
                log("devices: network: %s" % e)
        if self.disk is not None and self.disk.fn.irq_pin and 0 < self.disk.fn.irq_line < 16:
            hw.irq_register(self.disk.fn.irq_line, self.disk.on_irq)

    def _attach(self, name, ids, cls, vhw, log):
        found = virtio.find(self.functions, ids)
        if not found:
            return None
        try:
            return cls(found[0], vhw, self.sched)
        except (virtio.VirtioError, OSError, ValueError) as e:
            self.errors[name] = str(e)
            log("devices: %s: %s" % (name, e))
            return None

    def health(self, name):
        """(state, detail) of the disk, the entropy sources or the network card."""
        if name == "entropy":
            sources = self.entropy.sources()
            if sources:
                return (commands.UP, ", ".join(sources))
            return (commands.NOT_PRESENT, "")
        dev = getattr(self, {"network": "nic"}.get(name, name))
        if dev is not None:
            return (commands.UP, "")
        if name in self.errors:
            return (commands.DOWN, "failed: " + self.errors[name])
        return (commands.NOT_PRESENT, "")

    def status(self, name):
        return commands.health_text(*self.health(name))

    def attach(self, k):
        """Hand the components and commands to the kernel ``k`` (kernel/packages.Kernel), the
        way a package does (kernel/PACKAGES.md)."""
        k.devices = self
        k.add_component("disk", lambda: self.health("disk"))
        k.add_component("entropy", lambda: self.health("entropy"))
        k.add_command("devices", "devices", "PCI devices, their BARs and drivers",
                      self.cmd_devices)
        k.add_command("entropy", "entropy", "entropy sources and a sample", self.cmd_entropy)
        k.add_command("disk", "disk info", "the block device: size, features, I/O",
                      self.cmd_disk, subcommands=("info",))

    async def cmd_devices(self, sh, args):
        drivers = {}
        if self.disk is not None:
            drivers[self.disk.fn.address] = "virtio-blk driver"
        if self.rng is not None:
            drivers[self.rng.fn.address] = "virtio-rng driver"
        if self.nic is not None:
            drivers[self.nic.fn.address] = "virtio-net driver, MAC " + self.nic.mac_text()
        for f in self.functions:
            sh.println("%s  %s" % (f.describe(), ("[" + drivers[f.address] + "]")
                                   if f.address in drivers else ""))
            for b in f.bars:
                sh.println("        BAR%d %-5s 0x%x (%d bytes)%s" % (
                    b.index, b.kind, b.address, b.size, " prefetchable" if b.prefetchable else ""))
            if f.irq_pin:
                sh.println("        INT%s -> IRQ %d" % ("ABCD"[(f.irq_pin - 1) & 3], f.irq_line))
        sh.println("%d PCI functions" % len(self.functions))

    async def cmd_entropy(self, sh, args):
        sources = self.entropy.sources()
        sh.println("sources: %s" % (", ".join(sources) if sources else "none"))
        if sources:
            sample = await self.entropy.read(16)
            sh.println("sample:  %s" % "".join("%02x" % b for b in sample))
        sh.println("read:    %d bytes since boot" % self.entropy.bytes_read)

    async def cmd_disk(self, sh, args):
        d = self.disk
        if d is None:
            sh.println("disk: " + self.status("disk"))
            return
        sh.println(d.describe())
        sh.println("queue: %d descriptors, %d requests in flight at most"
                   % (d.vq.size, len(d.slots)))
        sh.println("features: 0x%x (flush%s)" % (d.features, ", read-only" if d.read_only else ""))
        s = d.stats
        sh.println("I/O: %d reads (%d bytes), %d writes (%d bytes), %d flushes, %d errors" % (
            s["reads"], s["bytes_read"], s["writes"], s["bytes_written"], s["flushes"],
            s["errors"]))
        sh.println("interrupts: %d (INT%s, IRQ %d)" % (d.interrupts, "ABCD"[(d.fn.irq_pin - 1) & 3],
                                                    d.fn.irq_line))
