"""The kernel's network: address configuration (DHCP, or static from [network] in system.toml),
the network task that feeds lwIP, the `network` console command and the "network" component.
"""
from kernel import commands
from kernel.io import lwip


def _dotted(t):
    return "%d.%d.%d.%d" % tuple(t)


class Network:
    def __init__(self, sched, net, nic, params):
        self.sched = sched
        self.net = net
        self.nic = nic
        self.params = params
        self.stack = lwip.LwipNet(sched, net)
        if params["dhcp"]:
            net.dhcp_start()
        else:
            gw = _dotted(params["gateway"]) if params["gateway"] else "0.0.0.0"
            net.set_static(_dotted(params["ip"]), _dotted(params["netmask"]), gw)
        self.task = sched.spawn(self.stack.pump(), "network", 3)

    def address(self):
        info = self.net.ifconfig()
        return info[0] if info and info[0] != "0.0.0.0" else None

    def health(self):
        """(state, detail): up once the interface has an address."""
        if self.address() is not None:
            return (commands.UP, "")
        if self.params["dhcp"]:
            return (commands.STARTING, "waiting for DHCP")
        return (commands.DOWN, "")

    def attach(self, k):
        """Hand the component and the command to the kernel ``k`` (kernel/packages.Kernel)."""
        k.add_component("network", self.health, required=True)
        k.add_command("network", "network", "addresses, link and traffic counters",
                      self.cmd_network)

    async def cmd_network(self, sh, args):
        ip, mask, gw, link, bound = self.net.ifconfig()
        sh.println("interface: virtio-net %s, MAC %s, link %s" % (
            self.nic.fn.address, self.nic.mac_text(), "up" if link else "down"))
        sh.println("address:   %s netmask %s gateway %s (%s)" % (
            ip, mask, gw, ("DHCP, bound" if bound else "DHCP, not bound yet")
            if self.params["dhcp"] else "static"))
        s = self.net.stats()
        sh.println("rx:        %d frames, %d bytes, %d dropped"
                   % (s["rx_frames"], s["rx_bytes"], s["rx_dropped"]))
        sh.println("tx:        %d frames, %d bytes, %d ring-full"
                   % (s["tx_frames"], s["tx_bytes"], s["tx_busy"]))
        sh.println("tcp:       %d of %d connections, %d refused" % (
            s["connections"], s["connections_max"], s["accepts_refused"]))
