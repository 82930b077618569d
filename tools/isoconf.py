"""An ISO of the built kernel and boot archive with another configuration: what the system
tests, the crash tests and the soaks boot when they need settings other than config/'s."""
import os
import shutil
import subprocess

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def make_iso(tmp, iso, system_text=None, banking_text=None):
    """Write `iso` from build/kernel.elf and build/python.tar with config/'s files, each
    replaced by the text given. The kernel and archive are copied into `tmp` first: a `make`
    running next to us may rewrite them."""
    conf = os.path.join(tmp, "config")
    os.makedirs(conf, exist_ok=True)
    for name, text in (("system.toml", system_text), ("banking.toml", banking_text)):
        path = os.path.join(conf, name)
        if text is None:
            shutil.copyfile(os.path.join(REPO, "config", name), path)
        else:
            with open(path, "w") as f:
                f.write(text)
    parts = []
    for name in ("kernel.elf", "python.tar"):
        src = os.path.join(REPO, "build", name)
        if not os.path.exists(src):
            raise SystemExit("%s is missing: run make iso" % src)
        parts.append(os.path.join(tmp, name))
        shutil.copyfile(src, parts[-1])
    subprocess.run(["bash", os.path.join(REPO, "tools", "mkiso.sh"), parts[0], parts[1], conf,
                    iso], check=True)
    return iso


def with_transaction(settings):
    """config/system.toml's text with these [transaction] keys (name -> TOML value text)
    set, replacing config/'s lines for them."""
    with open(os.path.join(REPO, "config", "system.toml")) as f:
        lines = f.read().split("\n")
    lines = [line for line in lines if line.split("=")[0].strip() not in settings]
    i = lines.index("[transaction]")
    for k in sorted(settings):
        i += 1
        lines.insert(i, "%s = %s" % (k, settings[k]))
    return "\n".join(lines)
