"""The ledger service: the state machine (transaction/engine.py) behind the write-ahead log
(transaction/recovery.py) on the block device. Design note: transaction/LEDGER.md.

    svc = LedgerService(sched, cfg, clock_ns, log)
    await svc.start(disk)                 # recovery: checkpoint + replay; formats a blank disk
    results = await svc.submit(CREATE_TRANSFERS, events)    # durable, then applied

A request is validated (transaction/requests.py), logged as one record, and applied in
`_on_commit` when the WAL reports the record durable, in log order: replay at boot does the
same with the same records. Portable (the block device, clock and scheduler are given).
"""
import gc

from kernel import commands
from transaction import engine, journals, recovery, requests
from transaction.acid import ID_MAX, REFERENCE_MAX, USER_DATA_MAX
from transaction.requests import CREATE_ACCOUNTS, CREATE_TRANSFERS, PULSE

TICKS_PER_SECOND = 10 ** 9           # timestamps in ns since 1970, as TigerBeetle
CHECKPOINT_MIN_BYTES = 4 << 20        # log since the last checkpoint before the next one
REPLAY_YIELD = 64                     # records replayed between scheduler checkpoints
SEAL = b""                            # the empty record that closes a burst (_seal)
TPS_WINDOW = 5                        # seconds the TPS figure is averaged over
MAINT_MS = 250                        # period of the maintenance task (expiry, checkpoints)


def _str_bytes(chars):
    """Heap bytes of a MicroPython str of up to `chars` ASCII characters: the object (one
    32-byte block) and its data with the NUL, in 32-byte blocks."""
    return 32 + (chars + 32) // 32 * 32


# Heap bytes one committed event may keep at most (beyond the storage engine.reserve makes):
# its id, reference and user_data at their longest, and an expiry entry or an account's list.
TRANSFER_BYTES = _str_bytes(ID_MAX) + _str_bytes(REFERENCE_MAX) + _str_bytes(USER_DATA_MAX) + 64
ACCOUNT_BYTES = _str_bytes(ID_MAX) + _str_bytes(USER_DATA_MAX) + 192 + 64
# Heap kept free for everything else: requests in flight (two large bodies at most), snapshots
# being written, the console and the network.
HEAP_RESERVE = 48 << 20


async def _blank(disk):
    """True if the places of the superblock copies (the first 64 and last 16 blocks) hold
    only zeros: a new disk, safe to format."""
    for lba, n in ((0, 64), (disk.capacity - 16, 16)):
        if lba < 0 or any(await disk.read(lba, n)):
            return False
    return True


class Unavailable(Exception):
    """The ledger cannot take requests now (HTTP 503): no disk, corruption, a failed log."""


class Timeout(Exception):
    """Not durable within the time given (HTTP 504); the request may still commit."""


class Full(Exception):
    """The log has no room (HTTP 507); nothing of the request was written."""


class AtCapacity(Full):
    """The ledger holds as many accounts or transfers as it has room for (HTTP 507
    ledger_full); refused before anything is logged."""


class TooLarge(Exception):
    """The request's record is larger than one log record may be (HTTP 413)."""


class _Waiter:
    """A request whose record is in the log queue: what to apply when it is durable (the
    validated events: the same as decoding the record gives, without decoding it again) and
    where its results go."""
    __slots__ = ("op", "ts", "events", "results", "error", "accounts", "transfers")

    def __init__(self, op, ts, events, accounts, transfers):
        self.op = op
        self.ts = ts
        self.events = events
        self.results = None
        self.error = None
        self.accounts = accounts          # room reserved until the record is applied
        self.transfers = transfers


class LedgerService:
    def __init__(self, sched, cfg, clock_ns, log=print, heap_free=None):
        self.sched = sched
        self.heap_free = heap_free        # () -> free heap bytes after a collection, or None
        tc = cfg["transaction"]
        self.capacity = (tc["max_accounts"], tc["max_transfers"])   # what is admitted
        self._reserved = [0, 0]           # accounts, transfers of requests not yet applied
        self.at_capacity = 0              # requests refused: the ledger was full
        self.cfg = cfg
        self.clock_ns = clock_ns          # () -> ns since 1970
        self.log = log
        self.state = "starting"           # starting, up, down
        self.reason = ""
        self.ledger = None
        self.store = None
        self.report = None
        self.disk = None
        self._waiting = {}                # id(record) -> _Waiter, records not yet applied
        self._last_ts = 0                 # the last timestamp handed out
        self._applied_seq = 0
        self._ckpt_at = 0                 # log position (bytes written) at the last checkpoint
        self._ckpt_len = 0                # size of the last snapshot
        self._ckpt_wanted = False
        self._rates = []                  # (ticks_us, committed) samples, one per second
        self.replayed = 0
        self.replay_ms = 0
        self.timeouts = 0
        self.full = 0
        self.task = None
        self.verifying = False            # no checkpoint while `verify` reads the disk
        self._spare = None                # empty storage for verify's rebuilt copy (boot)
        self.ckpt_too_large = False       # the last snapshot did not fit its area
        self.last_batch = None            # step times of the last batch (transaction/api.py)
        self.admission = None             # another package's check of transfers (set_admission)
        self.warm_ms = -1                 # time engine.warm_up took after the boot
        self._sealed_seq = 0              # log sequence after the last seal record
        self._quiet_seq = -1              # log sequence seen quiet at the last tick
        self.seals = 0
        self._ckpt_retry_at = 0           # uptime (us) before which no checkpoint is tried
        self._ckpt_backoff_ms = 0
        self.ckpt_failures = 0
        # Timings the service keeps of itself (kernel ms/us; read by `make bench`): the
        # checkpoints it made, their snapshot building, and applying durable records.
        self.ckpt_last_ms = 0
        self.ckpt_total_ms = 0
        self.ckpt_max_ms = 0
        self.snap_total_ms = 0
        self.snap_max_ms = 0
        self.apply_us = 0
        self._journals = {}               # tag -> journals.Journal of another package
        self.heap_reserve = HEAP_RESERVE  # + what journals may still take (reserve_heap)
        self.ledger_records = 0           # ledger requests logged and applied since the boot
        self._jwaiting = {}               # id(record) -> [done, error] of append_journal
        self.events = []                  # (kind, text) -> callbacks: on_event

    # ---- other packages' journals (journals.py) --------------------------------------------

    def add_journal(self, journal):
        """Keep another package's records in this log and its state in the checkpoints
        (transaction/journals.py). Before start()."""
        tag = journal.tag
        assert len(tag) == 4 and tag != requests.MAGIC.encode() and tag not in self._journals
        assert self.state == "starting" and self.store is None
        if len(self._journals) >= journals.MAX_JOURNALS:
            raise RuntimeError("too many journals (%d)" % journals.MAX_JOURNALS)
        self._journals[tag] = journal

    def set_admission(self, admission):
        """Another package's say on every transfer the API submits (compliance/: sanctions
        screening, KYC). ``admission`` has ``async admit(events, req)`` -> None or a verdict
        per event: None (go on), ``{"refuse": (status, code, message, field)}`` (not
        submitted), or ``{"hold": case_id}`` (it made the event a pending transfer); and
        ``async committed(events, results, verdicts)`` once the engine answered (the
        transfers that were submitted, with their results). One admission."""
        assert self.admission is None, "one admission"
        self.admission = admission

    def reserve_heap(self, nbytes):
        """Keep ``nbytes`` more of the heap out of the ledger's capacity: what a journal's
        state may grow to (the audit trail's entries), so that applying a durable record of
        either never runs out of memory."""
        assert nbytes >= 0
        self.heap_reserve += nbytes

    def on_event(self, callback):
        """``callback(kind, text)`` for the service's events: ``up`` (recovered: at boot, or
        after `ledger format`), ``checkpoint`` (done), ``down`` (the reason). The security
        package records them and starts again after a format."""
        self.events.append(callback)

    def _event(self, kind, text):
        for cb in self.events:
            try:
                cb(kind, text)
            except Exception as e:
                self.log("ledger: event %s: %s: %s" % (kind, type(e).__name__, e))

    async def append_journal(self, record, timeout_ms=None):
        """Log one record of a journal; returns once it is durable and applied (its journal's
        apply has run). Raises Unavailable, Full, TooLarge, Timeout like submit."""
        self.check_up()
        assert bytes(record[:4]) in self._journals
        key = id(record)
        w = [False, None]
        self._jwaiting[key] = w
        if timeout_ms is None:
            await self._append_j(record, w, key)
        else:
            task = self.sched.spawn(self._append_j(record, w, key), "journal-append")
            if not await task.wait(timeout_ms):
                self.timeouts += 1
                raise Timeout("not committed within %d ms; it may still commit" % timeout_ms)
        if w[1] is not None:
            raise w[1]
        if not w[0]:
            raise Unavailable("the ledger is down: %s" % self.reason)

    async def _append_j(self, record, w, key):
        try:
            await self.store.append(record)
        except Exception as e:
            self._jwaiting.pop(key, None)
            w[1] = self._append_error(e)

    # ---- start ----------------------------------------------------------------------------

    async def start(self, disk, format_foreign=False):
        """Recover the ledger from `disk`, then start maintenance. A blank disk (zeros where
        the superblocks go) is formatted; one that holds other data is left alone (the ledger
        is down until `ledger format` erases it: format_foreign=True)."""
        self.disk = disk
        self.state = "starting"
        self.reason = ""
        if disk is None:
            self._down("no block device (start QEMU with a disk)", quiet=True)
            return
        t0 = self.sched.uptime_us()
        try:
            blank = format_foreign or await _blank(disk)
            store, snapshot, payloads, report = await recovery.open_store(
                disk, self.cfg, self.sched, on_commit=self._on_commit, format_if_blank=blank,
                pieces=True)
        except recovery.NotFormatted:
            self._down("the disk holds data that is not a ledger; `ledger format` erases it")
            return
        except recovery.CorruptionError as e:
            self._down("corruption: %s" % e)
            return
        except Exception as e:
            self._down("recovery failed: %s: %s" % (type(e).__name__, e))
            return
        self.report = report
        try:
            sections, snapshot = journals.split(snapshot) if snapshot is not None \
                else ({}, None)
            for tag in sections:
                if tag not in self._journals:
                    raise journals.JournalError("journal %r of the checkpoint is unknown" % tag)
            for tag in self._journals:
                self._journals[tag].restore(sections.get(tag, []))
        except Exception as e:
            self._down("checkpoint unusable: journals: %s: %s" % (type(e).__name__, e))
            return
        try:
            # Storage for the whole capacity now, on the boot's unfragmented heap (engine
            # Ledger.reserve): applying a record then never needs a growing allocation.
            cap = self.capacity
            led = engine.Ledger.restore(snapshot, capacity=cap) if snapshot is not None \
                else engine.Ledger(TICKS_PER_SECOND, capacity=cap)
        except MemoryError:
            self._down("no memory for a ledger of %d accounts and %d transfers: lower "
                       "[transaction] max_accounts / max_transfers or raise [kernel] "
                       "memory_limit" % self.capacity)
            return
        except Exception as e:
            self._down("checkpoint unusable: %s: %s" % (type(e).__name__, e))
            return
        if led.ticks_per_second != TICKS_PER_SECOND:
            self._down("checkpoint has %d ticks per second, not %d"
                       % (led.ticks_per_second, TICKS_PER_SECOND))
            return
        self.ledger = led
        first = report.get("first_seq", 0)
        for i in range(len(payloads)):
            try:
                self._apply(payloads[i], first + i)
            except (requests.RecordError, engine.BatchError) as e:
                self._down("corruption: log record %d: %s" % (first + i, e))
                return
            except Exception as e:
                self._down("replay of record %d failed: %s: %s"
                           % (first + i, type(e).__name__, e))
                return
            payloads[i] = None
            if i % REPLAY_YIELD == REPLAY_YIELD - 1:
                await self.sched.checkpoint()
        self.replayed = len(payloads)
        led.reserve(self.capacity[0], self.capacity[1])   # raised to what replay brought
        try:
            # Storage for `ledger verify`'s copy, reserved now like the ledger's own: late in
            # a long run the heap may have no run as large as a column or an index table.
            self._spare = engine.Ledger(TICKS_PER_SECOND, capacity=led.capacity)
        except MemoryError:
            self._spare = None
            self.log("ledger: no memory for verify's spare storage; `ledger verify` may fail "
                     "for memory late in a run")
        self._limit_capacity(led)
        self.replay_ms = (self.sched.uptime_us() - t0) // 1000
        self._applied_seq = store.wal.seq
        self._last_ts = led.stats()["last_timestamp"]
        self._ckpt_at = store.wal.bytes_written
        self._ckpt_len = report["checkpoint"]["length"] if snapshot is not None else 0
        self.store = store
        self.state = "up"
        torn = report.get("torn")
        self.log("ledger: %d accounts, %d transfers; replayed %d records in %d ms%s%s" % (
            len(led._acc), len(led.t_id), self.replayed, self.replay_ms,
            " (new disk formatted)" if report.get("formatted") else "",
            "; torn tail cut at segment %d offset %d (seq %d)" % (
                torn["segment"], torn["offset"], torn["seq"]) if torn else ""))
        self.task = self.sched.spawn(self._maintain(), "ledger")
        self._event("up", self.status())

    def _limit_capacity(self, led):
        """Admit no more than the heap can hold at the worst (every new event keeping its
        longest strings: TRANSFER_BYTES, ACCOUNT_BYTES) with HEAP_RESERVE left for the rest of
        the kernel: then applying a durable record cannot run out of memory."""
        if self.heap_free is None:
            return
        free = self.heap_free() - self.heap_reserve
        na, nt = len(led._acc), len(led.t_id)
        ca, ct = led.capacity
        want = (ca - na) * ACCOUNT_BYTES + (ct - nt) * TRANSFER_BYTES
        if want <= free:
            self.capacity = (ca, ct)
            return
        f = max(free, 0) * 1000 // want           # per mille of the room that fits
        self.capacity = (na + (ca - na) * f // 1000, nt + (ct - nt) * f // 1000)
        self.log("ledger: the heap holds %d accounts and %d transfers at the worst, fewer "
                 "than configured (%d, %d): raise [kernel] memory_limit"
                 % (self.capacity + (ca, ct)))

    def _reserve(self, op, n):
        """Room for the events of one request, taken before it is logged (AtCapacity if there
        is none): (accounts, transfers) it may add. A post or void adds a transfer too."""
        led = self.ledger
        acc = n if op == CREATE_ACCOUNTS else 0
        tr = n if op == CREATE_TRANSFERS else 0
        r = self._reserved
        if len(led._acc) + r[0] + acc > self.capacity[0]:
            self.at_capacity += 1
            raise AtCapacity("the ledger holds its capacity of %d accounts ([transaction] "
                             "max_accounts)" % self.capacity[0])
        if len(led.t_id) + r[1] + tr > self.capacity[1]:
            self.at_capacity += 1
            raise AtCapacity("the ledger holds its capacity of %d transfers ([transaction] "
                             "max_transfers)" % self.capacity[1])
        r[0] += acc
        r[1] += tr
        return acc, tr

    def _release(self, w):
        if w is not None:
            self._reserved[0] -= w.accounts
            self._reserved[1] -= w.transfers
            w.accounts = w.transfers = 0

    def _down(self, reason, quiet=False):
        self.state = "down"
        self.reason = reason
        if not quiet:
            self.log("ledger: down: %s" % reason)
            self._event("down", reason)

    # ---- requests -------------------------------------------------------------------------

    def check_up(self):
        if self.state != "up":
            raise Unavailable("the ledger is %s%s" % (
                self.state, ": " + self.reason if self.reason else ""))

    def next_timestamp(self, n):
        """A timestamp (ns) above every one handed out before, with room for n events."""
        ts = self.clock_ns()
        if ts <= self._last_ts:
            ts = self._last_ts + 1
        self._last_ts = ts + (n if n else 1)
        return ts

    async def submit(self, op, events, timeout_ms=None):
        """Log the request and return the engine's results once it is durable and applied.
        Raises Unavailable, Full, TooLarge, Timeout."""
        self.check_up()
        acc, tr = self._reserve(op, len(events))
        try:
            ts = self.next_timestamp(len(events))
            if op == CREATE_TRANSFERS:
                requests.assign_ids(events, ts)
            record = requests.encode(op, ts, events)
        except BaseException:
            self._reserved[0] -= acc
            self._reserved[1] -= tr
            raise
        w = _Waiter(op, ts, events, acc, tr)
        key = id(record)
        self._waiting[key] = w
        if timeout_ms is None:
            await self._append(record, w, key)
        else:
            # The append runs in its own task so that this request can give up waiting; the
            # record still commits (or fails) on its own.
            task = self.sched.spawn(self._append(record, w, key), "ledger-append")
            if not await task.wait(timeout_ms):
                self.timeouts += 1
                raise Timeout("not committed within %d ms; it may still commit: retry with the "
                              "same reference to learn the outcome" % timeout_ms)
        if w.error is not None:
            raise w.error
        if w.results is None:
            raise Unavailable("the ledger is down: %s" % self.reason)
        return w.results

    async def _append(self, record, w, key):
        """store.append with its errors kept in the waiter (never raised: a task's exception
        would be reported on the console)."""
        # A failed append gives its reserved room back; a logged record does so in _on_commit.
        try:
            await self.store.append(record)
        except Exception as e:
            self._release(w)
            self._waiting.pop(key, None)
            w.error = self._append_error(e)

    def _append_error(self, e):
        """The exception a request gets for the store's failure ``e`` to log its record."""
        if isinstance(e, recovery.DiskFull):
            self.full += 1
            self._ckpt_wanted = True
            return Full(str(e))
        if isinstance(e, recovery.RecordTooLarge):
            return TooLarge(str(e))
        if isinstance(e, recovery.WalFailed):
            if self.state == "up":
                self._down("the log failed: %s" % e)
            return Unavailable("the ledger is down: %s" % e)
        return Unavailable("the log failed: %s: %s" % (type(e).__name__, e))

    def _apply(self, record, seq=0):
        if not record:
            return []          # a seal
        j = self._journals.get(bytes(record[:4]))
        if j is not None:
            j.apply(seq, record)
            return []
        op, ts, events = requests.decode(record)
        return self.ledger.apply((op, events), ts)

    def _on_commit(self, seq, record):
        """The WAL's callback for each durable record, in log order."""
        self._applied_seq = seq
        jw = self._jwaiting.pop(id(record), None)
        if jw is not None or record and bytes(record[:4]) in self._journals:
            if self.state != "up":
                return
            try:
                self._journals[bytes(record[:4])].apply(seq, record)
            except Exception as e:
                self._down("record %d of journal %r could not be applied (%s: %s); restart to "
                           "recover" % (seq, bytes(record[:4]), type(e).__name__, e))
                return
            if jw is not None:
                jw[0] = True
            return
        w = self._waiting.pop(id(record), None)
        if self.state != "up":
            self._release(w)
            return
        try:
            if w is not None:
                led = self.ledger
                # Room was reserved before logging (_reserve) within the storage engine.reserve
                # made: the apply allocates nothing that grows with the ledger.
                assert len(led._acc) + w.accounts <= led.capacity[0] and \
                    len(led.t_id) + w.transfers <= led.capacity[1], "ledger storage exceeded"
                self._release(w)
                t0 = self.sched.uptime_us()
                results = led.apply((w.op, w.events), w.ts)
                self.apply_us += self.sched.uptime_us() - t0
                w.events = None
            else:
                results = self._apply(record)
        except Exception as e:
            # LedgerStateError or MemoryError: the state cannot be trusted; a restart recovers
            # it from the checkpoint and the log (the record is durable).
            self._down("record %d could not be applied (%s: %s); restart to recover"
                       % (seq, type(e).__name__, e))
            return
        if record:
            self.ledger_records += 1
        if w is not None:
            w.results = results

    # ---- maintenance: expiry pulses, checkpoints, the TPS figure ---------------------------

    async def _maintain(self):
        # The shared results of a full batch, built once the boot is over: building them inside
        # a big request, on a heap fragmented by it, cost ~25 s in the kernel (ENGINE.md); done
        # during the boot itself it cost ~20 s, here ~1 s.
        await self.sched.sleep_ms(MAINT_MS)
        t0 = self.sched.uptime_us()
        gc.collect()   # a multi-block allocation walks over every used block ahead of the free
        engine.warm_up()
        self.warm_ms = (self.sched.uptime_us() - t0) // 1000
        last_sample = 0
        while self.state == "up":
            await self.sched.sleep_ms(MAINT_MS)
            now = self.sched.uptime_us()
            if now - last_sample >= 1000000:
                last_sample = now
                self._rates.append((now, self.ledger._committed))
                if len(self._rates) > TPS_WINDOW + 1:
                    self._rates.pop(0)
            try:
                await self._expire()
                if self._checkpoint_due() and now >= self._ckpt_retry_at:
                    try:
                        await self.checkpoint()
                        self._ckpt_backoff_ms = 0
                    except (Unavailable, recovery.CheckpointTooLarge):
                        raise
                    except Exception as e:
                        # Each try builds a whole snapshot with nothing else running: back off
                        # (1 s doubling to 60 s) rather than retry every period.
                        b = self._ckpt_backoff_ms
                        self._ckpt_backoff_ms = 1000 if not b else min(2 * b, 60000)
                        self._ckpt_retry_at = now + self._ckpt_backoff_ms * 1000
                        self.ckpt_failures += 1
                        self.log("ledger: checkpoint failed (%s: %s); next try in %d ms"
                                 % (type(e).__name__, e, self._ckpt_backoff_ms))
                await self._seal()
            except (Unavailable, Full, Timeout, TooLarge):
                pass
            except recovery.CheckpointTooLarge as e:
                # The ledger outgrew its checkpoint area: the log fills up and new requests get
                # 507; everything committed stays. Said once; tried again after more growth.
                if not self.ckpt_too_large:
                    self.log("ledger: checkpoint impossible: %s; the log will fill up (507)"
                             % e)
                self.ckpt_too_large = True
            except Exception as e:
                self.log("ledger: maintenance: %s: %s" % (type(e).__name__, e))

    async def _seal(self):
        """Once the log has been quiet for a period after new records, append one empty record
        in a group of its own. Recovery can tell damage to a committed group from a torn write
        only when a later group follows it (FORMAT.md, recovery step 4): the seal makes the
        burst's last group such a group. Costs one small write + flush per quiet period."""
        wal = self.store.wal
        if wal.seq == self._sealed_seq or wal.queue or wal.committing:
            self._quiet_seq = -1
            return
        if self._quiet_seq != wal.seq:
            self._quiet_seq = wal.seq          # quiet since this tick; seal at the next one
            return
        self._sealed_seq = wal.seq             # tried once per burst, even if it fails
        try:
            await self.store.append(SEAL)
        except (recovery.DiskFull, recovery.WalFailed):
            return                             # the log is full or failed: nothing to seal
        self._sealed_seq = wal.seq
        self.seals += 1

    async def _expire(self):
        due = self.ledger.next_expiry()
        if due is not None and due <= self.clock_ns():
            await self.submit(PULSE, [])

    def _checkpoint_due(self):
        if self.store is None or self.store.busy or self.verifying or self.ckpt_too_large:
            return False
        since = self.store.wal.bytes_written - self._ckpt_at
        if self._ckpt_wanted and since > 0:
            return True
        u = self.store.usage()
        return since >= CHECKPOINT_MIN_BYTES and since >= self._ckpt_len or \
            u["used"] * 2 > u["ring"]

    async def checkpoint(self):
        """Snapshot the state after every applied record and store it (frees log segments)."""
        self.check_up()
        # The snapshot and the store's head are taken with no await in between: the state is
        # exactly that after the last durable record.
        t0 = self.sched.uptime_us()
        # In pieces (engine.SNAPSHOT_PIECE): a fragmented heap holds no run as large as it.
        snap = self.ledger.snapshot_pieces()
        if self._journals:
            sections = []
            for tag in self._journals:
                sections.append((tag, self._journals[tag].snapshot_pieces()))
            snap = journals.pack(sections) + snap
        n = 0
        for x in snap:
            n += len(x)
        snap_ms = (self.sched.uptime_us() - t0) // 1000
        written = self.store.wal.bytes_written
        res = await self.store.checkpoint(snap)
        self._ckpt_at = written
        self._ckpt_len = n
        self._ckpt_wanted = False
        res["bytes"] = n
        res["ms"] = ms = (self.sched.uptime_us() - t0) // 1000
        self.ckpt_last_ms = ms
        self.ckpt_total_ms += ms
        self.ckpt_max_ms = max(self.ckpt_max_ms, ms)
        self.snap_total_ms += snap_ms
        self.snap_max_ms = max(self.snap_max_ms, snap_ms)
        self._event("checkpoint", "checkpoint at record %d: %d bytes in %d ms"
                    % (self._applied_seq, n, ms))
        return res

    # ---- verification --------------------------------------------------------------------

    async def verify(self):
        """Check the ledger two ways: (1) recompute every balance from the stored transfers and
        check the invariants, chains and indexes; (2) rebuild the state from the disk (the last
        checkpoint plus every log record, hash chain and checksums checked) and compare it with
        the live state, byte for byte, at the same record. Returns (problems, figures)."""
        self.check_up()
        if self.store.busy or self.verifying:
            raise Unavailable("a checkpoint or another verify is running; try again")
        self.verifying = True
        try:
            led = self.ledger
            problems = led.verify()
            figures = {"accounts": len(led._acc), "transfers": len(led.t_id)}
            # The live state at record `seq`, taken with no await in between.
            live = led.snapshot_pieces()
            seq = self._applied_seq
            await self.sched.checkpoint()
            snapshot, payloads, report = await self._read_back(seq)
            if snapshot is not None:
                snapshot = journals.split(snapshot)[1]
            spare = self._spare
            if spare is not None:
                copy = engine.Ledger.restore(snapshot, into=spare) if snapshot is not None \
                    else spare.emptied(TICKS_PER_SECOND)
            else:
                copy = engine.Ledger.restore(snapshot) if snapshot is not None \
                    else engine.Ledger(TICKS_PER_SECOND)
            for i in range(len(payloads)):
                if payloads[i] and bytes(payloads[i][:4]) not in self._journals:
                    op, ts, events = requests.decode(payloads[i])
                    copy.apply((op, events), ts)
                payloads[i] = None
                if i % REPLAY_YIELD == REPLAY_YIELD - 1:
                    await self.sched.checkpoint()
            figures["checkpoint_seq"] = report["superblock"].ckpt_seq
            figures["records"] = len(payloads)
            figures["seq"] = seq
            if copy.snapshot_pieces() != live:      # the same state gives the same pieces
                problems.append("the state rebuilt from the disk (checkpoint at record %d + %d "
                                "records) differs from the live state at record %d"
                                % (figures["checkpoint_seq"], len(payloads), seq))
            return problems, figures
        finally:
            if self._spare is not None:
                # Give up the copy's objects, keep the storage (shared with the copy).
                self._spare = self._spare.emptied(TICKS_PER_SECOND)
            self.verifying = False

    async def _read_back(self, seq):
        """The checkpoint and the payloads of records up to `seq`, read from the disk."""
        payloads = []
        seqs = []

        def take(s, payload):
            if s <= seq:
                payloads.append(payload)
                seqs.append(s)

        snapshot, _, report = await recovery.recover(self.disk, self.cfg, on_record=take,
                                                     pieces=True)
        if not seqs and report["superblock"].ckpt_seq < seq or seqs and seqs[-1] < seq:
            raise recovery.CorruptionError("the log on the disk ends before record %d" % seq,
                                           seq=seq)
        return snapshot, payloads, report

    # ---- figures --------------------------------------------------------------------------

    def tps(self):
        r = self._rates
        if len(r) < 2:
            return 0
        (t0, c0), (t1, c1) = r[0], r[-1]
        return (c1 - c0) * 1000000 // max(t1 - t0, 1)

    def transactions(self):
        """committed, rejected, tps, wal_bytes (+ more) for `metrics transactions`."""
        out = {"committed": 0, "rejected": 0, "tps": self.tps(), "wal_bytes": 0}
        if self.ledger is not None:
            s = self.ledger.stats()
            out["committed"] = s["committed"]
            out["rejected"] = s["rejected"]
            out["exists"] = s["exists"]
            out["accounts"] = s["accounts"]
            out["transfers"] = s["transfers"]
            out["pending"] = s["pending"]
        if self.store is not None:
            w = self.store.wal.stats()
            out["wal_bytes"] = w["bytes_written"]
            out["wal_records"] = w["records"]
            # Of them, the ledger's own requests (not seals, pads or other journals' records).
            out["ledger_records"] = self.ledger_records
            out["wal_pads"] = w["pads"]
            out["wal_groups"] = w["groups"]
            out["wal_used_bytes"] = self.store.usage()["used"]
            out["checkpoints"] = self.store.checkpoints
        out["seals"] = self.seals
        out["checkpoint_failures"] = self.ckpt_failures
        out["checkpoint_last_ms"] = self.ckpt_last_ms
        out["checkpoint_total_ms"] = self.ckpt_total_ms
        out["checkpoint_max_ms"] = self.ckpt_max_ms
        out["snapshot_total_ms"] = self.snap_total_ms
        out["snapshot_max_ms"] = self.snap_max_ms
        out["apply_ms"] = self.apply_us // 1000
        out["timeouts"] = self.timeouts
        out["disk_full"] = self.full
        out["max_accounts"], out["max_transfers"] = self.capacity
        out["at_capacity"] = self.at_capacity
        return out

    def health(self):
        """(state, detail) of the "ledger" component: state starting, up or down (the
        kernel's health states), detail the counts or the reason."""
        if self.state == "up":
            # A torn tail cut at boot stays visible: an unfinished write after a crash, or
            # damage to the last group written, which the format cannot tell apart (FORMAT.md).
            torn = self.report is not None and self.report.get("torn")
            return ("up", "%d accounts, %d transfers%s" % (
                len(self.ledger._acc), len(self.ledger.t_id),
                "; torn log tail cut at boot" if torn else ""))
        return (self.state, self.reason)

    def status(self):
        """The health as one line: "up (3 accounts, 5 transfers)", "down: reason"."""
        return commands.health_text(*self.health())
