"""The security package's console commands: `login`, `logout`, `whoami`, `audit` and `users`
(security/AUTH.md). The console's guard (service.console_guard) decides who may run what."""
from security import access
from security.service import AuthError

LOGIN_USAGE = "login API_KEY [OTP]"
LOGIN_HELP = "authenticate the console (an API key; a one-time code for privileged commands)"
USERS_USAGE = "users [add ID ROLE|key ID|revoke KEY_ID|disable ID|enable ID|role ID ROLE]"
USERS_HELP = "principals and their API keys (auth.admin)"
AUDIT_USAGE = "audit [verify|tail [N]]"
AUDIT_HELP = "the audit trail: size, signed root; verify recomputes it; tail shows entries"


def commands(svc):
    """(name, usage, help, handler, nargs, max_args) of each command."""

    async def login(sh, args):
        if svc.state != "up":
            sh.println("maintenance console: no credentials to check (%s)" % svc.reason)
            return
        code = args[1] if len(args) > 1 else None
        try:
            p, mfa = await svc.console_login(sh, args[0], code)
        except AuthError as e:
            sh.println("login failed: %s" % e.message)
            return
        sh.println("logged in as %s (%s)%s" % (p.id, p.role, ", second factor checked"
                                                if mfa else ""))

    async def logout(sh, args):
        sh.session = None
        sh.println("logged out")

    async def whoami(sh, args):
        s = getattr(sh, "session", None)
        if svc.state != "up":
            sh.println("maintenance console (no credentials: %s)" % svc.reason)
        elif s is None:
            sh.println("not logged in (login API_KEY [OTP])")
        else:
            p = svc.principals.principals.get(s.principal)
            sh.println("%s (%s)%s; permissions: %s" % (
                s.principal, p.role if p else "?", ", second factor checked" if s.mfa else "",
                ", ".join(access.ROLE_PERMISSIONS.get(p.role, ())) if p else ""))

    async def audit_cmd(sh, args):
        a = svc.audit
        if not args:
            if svc.state != "up":
                sh.println("audit: unavailable: %s" % svc.reason)
                return
            sth = svc.signed_tree_head()
            sh.println("audit: %d entries of %d; root %s" % (a.size(), a.capacity,
                                                              sth["root_hash"]))
            sh.println("  signed tree head at %d, key %s" % (sth["timestamp"],
                                                             sth["key_id"][:16]))
            return
        if args[0] == "verify":
            problems = a.verify()
            for p in problems:
                sh.println("  " + p)
            if problems:
                sh.println("audit verify: %d problems" % len(problems))
            else:
                sh.println("audit verify: ok, %d entries, root %s"
                           % (a.size(), a.tree.root(a.size()).hex()))
            return
        if args[0] == "tail":
            n = int(args[1]) if len(args) > 1 and args[1].isdigit() else 10
            for i in range(max(a.size() - min(n, 100), 0), a.size()):
                sh.println(a.leaves[i].decode())
            return
        sh.println("usage: " + AUDIT_USAGE)

    async def users(sh, args):
        ps = svc.principals
        if not args:
            for pid in sorted(ps.principals):
                p = ps.principals[pid]
                sh.println("%-20s %-18s %s keys: %s" % (
                    p.id, p.role, "disabled" if p.disabled else "active",
                    ", ".join(p.keys) or "-"))
            return
        op = args[0]
        try:
            if op == "add" and len(args) == 3:
                await svc.add_principal(args[1], args[1], args[2])
                sh.println("api key of %s: %s" % (args[1], await svc.issue_key(args[1])))
            elif op == "key" and len(args) == 2:
                if args[1] not in ps.principals:
                    raise KeyError(args[1])
                sh.println("api key of %s: %s" % (args[1], await svc.issue_key(args[1])))
            elif op == "revoke" and len(args) == 2:
                await svc.revoke_key(args[1])
                sh.println("revoked %s" % args[1])
            elif op in ("disable", "enable") and len(args) == 2:
                await svc.set_disabled(args[1], op == "disable")
                sh.println("%s %sd" % (args[1], op))
            elif op == "role" and len(args) == 3:
                await svc.set_role(args[1], args[2])
                sh.println("%s is %s" % (args[1], args[2]))
            else:
                sh.println("usage: " + USERS_USAGE)
        except KeyError as e:
            sh.println("users: no such principal or key: %s" % e)
        except ValueError as e:
            sh.println("users: %s" % e)

    return (
        ("login", LOGIN_USAGE, LOGIN_HELP, login, 1, 2),
        ("logout", "logout", "end the console's session", logout, 0, 0),
        ("whoami", "whoami", "who the console is logged in as", whoami, 0, 0),
        ("audit", AUDIT_USAGE, AUDIT_HELP, audit_cmd, 0, 2),
        ("users", USERS_USAGE, USERS_HELP, users, 0, 3),
    )
