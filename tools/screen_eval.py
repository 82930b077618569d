#!/usr/bin/env python3
"""The screening evaluation: recall and precision of compliance/matcher.py on a labelled set
generated from the real OFAC SDN files, next to a host reference scoring the same candidates.

    python3 tools/screen_eval.py [--list-dir DIR] [--size N] [--seed S] [--threshold T]
                                 [--json PATH]

The set (deterministic for a seed): N queries, half true variants of listed names, half
negatives.
- Variants of one entry's name, spread evenly over the kinds: exact, typo1 (one character
  substituted, inserted or deleted), typo2 (two such edits), transpose (two neighbouring
  letters swapped), translit (spelling variants of transliteration: ou/u, y/i, kh/h, ph/f,
  dj/j, Mohammed/Muhammad, Abdel/Abdul, ...), cyrillic (the name written in Cyrillic),
  diacritics (accents and mixed case added), reorder (words reversed), drop_middle (a middle
  word of a 3+ word name dropped), alias (another name of the entry). The query carries the
  entry's type. A variant is found when its entry is among the hits.
- Negatives: people and companies composed from the pools below, kept only when no listed
  name has the same name tokens, the same phonetic keys, or a subset or superset of them (so
  a negative is not a listed name nor a part of one). A negative is a false alert when it
  hits anything.
Recall = variants found / variants; precision = alerts that found their entry / alerts
(queries with at least one hit). Both for thresholds 0.80 .. 1.00 (the curve) and at the
threshold.

The reference (host only): rapidfuzz.fuzz.token_set_ratio and jellyfish's Jaro-Winkler (on
the words sorted, so that order does not count against it) of rapidfuzz's default_process'd
texts (lower case, punctuation to spaces; no transliteration, no honorific or company-form
handling, no qualifiers), scoring the SAME candidate names our index gives for the query:
the difference is the scoring, not the blocking. Speeds: our screenings per second (index
search, blocking included), the references' on the given candidates, and a rapidfuzz full
scan of every name (process.extract, no blocking) as the baseline of make bench.

Run by `make bench` (tools/bench.py imports main(); main returns the figures dict). The list
is read with compliance.lists (the loaders); the files are never copied.
"""
import argparse
import json
import os
import random
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

from compliance import entry, matcher, normalize, similarity  # noqa: E402

DEFAULT_DIR = os.path.join(REPO, "..", "shared", "testdata", "sanctions", "watchman", "test",
                           "testdata")
SDN_FILES = ("sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv")
KINDS = ("exact", "typo1", "typo2", "transpose", "translit", "cyrillic", "diacritics",
         "reorder", "drop_middle", "alias")
CURVE = [8000 + 100 * i for i in range(21)]        # 0.80 .. 1.00
SEARCH_FLOOR = 8000

FIRST = ("James John Robert Michael William David Richard Joseph Thomas Charles Mary Patricia "
         "Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Daniel Matthew Anthony "
         "Mark Paul Steven Andrew Kenneth Joshua Kevin Brian George Emily Laura Anna Olga "
         "Ivan Sergei Dmitri Alexei Nikolai Pavel Mikhail Tatiana Natalia Irina Elena Svetlana "
         "Jose Juan Carlos Luis Miguel Jorge Pedro Rafael Manuel Francisco Maria Carmen Lucia "
         "Sofia Isabel Ahmed Omar Khalid Youssef Tariq Karim Samir Nabil Rami Bilal Fatima "
         "Aisha Layla Noor Zainab Hiroshi Takeshi Kenji Yuki Wei Jian Ming Li Hui Chen Raj "
         "Amit Sanjay Priya Anjali Vikram Arjun Deepak Hans Klaus Jurgen Stefan Wolfgang "
         "Pierre Jean Michel Francois Luc Giovanni Marco Luca Paolo Giuseppe Mehmet Mustafa "
         "Emre Burak Oluwaseun Chinedu Kwame Kofi Abebe Tendai Mohammed Muhammad Ahmad Ali "
         "Hassan Hussein Abdullah Ibrahim Mahmoud Mustafa Yusuf Hamza Saeed Walid Jamal "
         "Reza Hamid Majid Mehdi Javad Farid Amir Dariush Viktor Yuri Oleg Andrei Boris "
         "Vladislav Ruslan Anatoly Gennady Vasily").split()
LAST = ("Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez "
        "Lopez Gonzalez Wilson Anderson Taylor Moore Jackson Martin Lee Thompson White Harris "
        "Clark Lewis Robinson Walker Young Allen King Wright Scott Green Baker Adams Nelson "
        "Ivanov Smirnov Kuznetsov Popov Sokolov Lebedev Kozlov Novikov Morozov Petrov Volkov "
        "Fernandez Perez Sanchez Ramirez Torres Flores Rivera Gomez Diaz Reyes Morales Ortiz "
        "Haddad Khoury Mansour Nasser Saleh Aziz Karimi Rahimi Hosseini Tehrani Farouk Darwish "
        "Tanaka Suzuki Takahashi Watanabe Yamamoto Nakamura Kobayashi Wang Zhang Liu Yang "
        "Huang Zhao Zhou Patel Sharma Singh Gupta Kumar Reddy Mehta Iyer Muller Schmidt "
        "Schneider Fischer Weber Meyer Wagner Becker Dubois Moreau Laurent Lefebvre Rossi "
        "Russo Ferrari Esposito Bianchi Yilmaz Kaya Demir Sahin Celik Okafor Mensah Boateng "
        "Okonkwo Mwangi Kamau Al-Masri Al-Tamimi Al-Shami Al-Harbi Qureshi Siddiqui Rahman "
        "Hamdan Barakat Jaber Khalil Najjar Sabbagh Sayegh Shaheen Yassin Zidan Ahmadi "
        "Moradi Rezaei Jafari Sadeghi Mousavi Kazemi Orlov Pavlov Fedorov Stepanov Vasiliev "
        "Zaitsev Belov Medvedev Komarov Yakovlev Grigoriev Romanov Vorobiev Tarasov").split()
CO_WORDS = ("Apex Summit Horizon Meridian Pinnacle Cedar Falcon Orion Atlas Nova Vertex Crescent "
            "Harbor Silverline Bluewater Redstone Greenfield Northstar Sunrise Evergreen "
            "Keystone Lighthouse Riverbend Stonebridge Ironwood Goldleaf Oakridge Brightpath "
            "Clearwater Highland Lakeside Maple Willow Aurora Zenith Sterling Beacon Granite "
            "Cobalt Amber Jade Onyx Topaz Sapphire Emerald Ruby Coral Tundra Sahara Andes "
            "Alpine Baltic Danube Nile Euphrates Tigris Caspian Aral Volga").split()
CO_GENERIC = ("Trading Holdings Group International Logistics Shipping Industries Services "
              "Technologies Consulting Investments Energy Petroleum Marine Engineering "
              "Construction Capital Resources Solutions Systems Partners Enterprises").split()
CO_FORMS = ("LLC Ltd Inc Corp GmbH AG SA SARL OOO JSC PLC BV FZE FZCO Pte Pty Co").split()

# Transliteration spelling variants (applied to the lower-cased name, first match wins).
TRANSLIT = (("mohammed", "muhammad"), ("muhammad", "mohammed"), ("mohamed", "mohammad"),
            ("mohammad", "mohamed"), ("abdul", "abdel"), ("abdel", "abdul"), ("abd al", "abdul"),
            ("hussein", "husayn"), ("husayn", "hussein"), ("hassan", "hasan"),
            ("hasan", "hassan"), ("yousef", "yusuf"), ("yusuf", "yousef"), ("osama", "usama"),
            ("usama", "osama"), ("kh", "h"), ("ph", "f"), ("ou", "u"), ("oo", "u"),
            ("ee", "i"), ("dj", "j"), ("sch", "sh"), ("ck", "k"), ("ks", "x"), ("iy", "y"),
            ("y", "i"), ("w", "v"), ("v", "w"), ("q", "k"), ("ts", "tz"), ("zh", "j"),
            ("ei", "ey"), ("ai", "ay"))

# Latin -> Cyrillic for the "cyrillic" variants (BGN/PCGN read backwards; normalize.py reads
# it forwards again).
TO_CYR = (("shch", "щ"), ("zh", "ж"), ("kh", "х"), ("ts", "ц"), ("ch", "ч"), ("sh", "ш"),
          ("yu", "ю"), ("ya", "я"), ("ye", "е"), ("a", "а"), ("b", "б"), ("v", "в"),
          ("g", "г"), ("d", "д"), ("e", "е"), ("z", "з"), ("i", "и"), ("y", "й"), ("k", "к"),
          ("l", "л"), ("m", "м"), ("n", "н"), ("o", "о"), ("p", "п"), ("r", "р"), ("s", "с"),
          ("t", "т"), ("u", "у"), ("f", "ф"), ("c", "к"), ("h", "х"), ("j", "дж"), ("q", "к"),
          ("w", "в"), ("x", "кс"))
ACCENTS = {"a": "áàâäã", "e": "éèêë", "i": "íìîï", "o": "óòôöõ", "u": "úùûü", "n": "ñ",
           "c": "ç", "s": "şš", "z": "ž", "y": "ý"}


def load_entries(list_dir):
    """OFAC SDN entries through compliance.lists (the loaders); a plain csv reading of sdn.csv
    and alt.csv when the loaders are missing."""
    if not os.path.isdir(list_dir):
        raise SystemExit("screen_eval: list directory %s not found (shared/testdata absent?)"
                         % list_dir)
    files = {}
    for f in SDN_FILES:
        p = os.path.join(list_dir, f)
        if os.path.exists(p):
            with open(p, "rb") as fh:
                files[f] = fh.read()
    try:
        from compliance import lists
    except ImportError:
        lists = None
    if lists is not None:
        return lists.load("ofac_sdn", files).entries
    import csv
    import io
    ents = {}
    order = []
    for row in csv.reader(io.StringIO(files["sdn.csv"].decode("utf-8", "replace"))):
        if len(row) < 3:
            continue
        t = row[2].strip().lower()
        t = t if t in ("individual", "vessel", "aircraft") else "entity"
        ents[row[0].strip()] = [t, [row[1].strip()]]
        order.append(row[0].strip())
    for row in csv.reader(io.StringIO(files.get("alt.csv", b"").decode("utf-8", "replace"))):
        if len(row) >= 4 and row[0].strip() in ents:
            nm = row[3].strip()
            if nm and nm not in ents[row[0].strip()][1]:
                ents[row[0].strip()][1].append(nm)
    return [entry.Entry("ofac_sdn", k, ents[k][0], ents[k][1]) for k in order]


# --- variants ------------------------------------------------------------------------------
def _words(name):
    return name.replace(",", " ").split()


def _letters_word(rng, words, least):
    idx = [i for i, w in enumerate(words) if len(w) >= least and w.isalpha()]
    return rng.choice(idx) if idx else None


def _edit(rng, name):
    words = _words(name)
    i = _letters_word(rng, words, 4)
    if i is None:
        return None
    w = words[i]
    p = rng.randrange(1, len(w))          # not the first letter
    op = rng.randrange(3)
    c = rng.choice("abcdefghijklmnopqrstuvwxyz")
    if op == 0:
        if c.lower() == w[p].lower():
            c = "x" if c != "x" else "q"
        w = w[:p] + c + w[p + 1:]
    elif op == 1:
        w = w[:p] + c + w[p:]
    else:
        w = w[:p] + w[p + 1:]
    words[i] = w
    return " ".join(words)


def variant(rng, kind, e):
    """A variant of kind of one of e's names, or None when the kind does not apply."""
    name = e.names[0]
    if kind == "exact":
        return name
    if kind == "alias":
        return rng.choice(e.names[1:]) if len(e.names) > 1 else None
    if kind == "typo1":
        return _edit(rng, name)
    if kind == "typo2":
        v = _edit(rng, name)
        return _edit(rng, v) if v else None
    if kind == "transpose":
        words = _words(name)
        i = _letters_word(rng, words, 4)
        if i is None:
            return None
        w = words[i]
        p = rng.randrange(1, len(w) - 1)
        if w[p].lower() == w[p + 1].lower():
            return None
        words[i] = w[:p] + w[p + 1] + w[p] + w[p + 2:]
        return " ".join(words)
    if kind == "translit":
        low = name.lower()
        for a, b in TRANSLIT:
            if a in low:
                return low.replace(a, b, 1)
        return None
    if kind == "cyrillic":
        low = name.lower()
        if not low.replace(" ", "").replace(",", "").replace("-", "").isalpha():
            return None
        out = []
        i = 0
        while i < len(low):
            for a, b in TO_CYR:
                if low.startswith(a, i):
                    out.append(b)
                    i += len(a)
                    break
            else:
                out.append(low[i])
                i += 1
        return "".join(out)
    if kind == "diacritics":
        out = []
        changed = False
        for ch in name.lower():
            alts = ACCENTS.get(ch)
            if alts and rng.random() < 0.35:
                ch = rng.choice(alts)
                changed = True
            out.append(ch.upper() if rng.random() < 0.3 else ch)
        return "".join(out) if changed else None
    if kind == "reorder":
        words = _words(name)
        if len(words) < 2:
            return None
        return " ".join(reversed(words))
    if kind == "drop_middle":
        # a middle word of the name's tokens; at least two name tokens must stay
        toks = normalize.tokens(name)
        mid = [i for i in range(1, len(toks) - 1) if normalize.kind(toks[i]) == normalize.NAME]
        if not mid:
            return None
        del toks[rng.choice(mid)]
        if sum(1 for t in toks if normalize.kind(t) == normalize.NAME) < 2:
            return None
        return " ".join(toks)
    raise ValueError(kind)


def _core(tokens):
    return frozenset(t for t in tokens if normalize.kind(t) == normalize.NAME)


class ListNames:
    """Token sets of the listed names, for checking that a negative is not on the list."""

    def __init__(self, entries):
        self.sets = set()
        self.keys = set()
        self.by_token = {}
        for e in entries:
            for nm in e.names:
                core = _core(normalize.tokens(nm))
                if not core:
                    continue
                self.sets.add(core)
                self.keys.add(frozenset(similarity.phonetic(t) for t in core))
                for t in core:
                    self.by_token.setdefault(t, []).append(core)

    def clear_of(self, name):
        core = _core(normalize.tokens(name))
        if not core or core in self.sets:
            return False
        if frozenset(similarity.phonetic(t) for t in core) in self.keys:
            return False
        for t in core:
            for s in self.by_token.get(t, ()):
                if s <= core or core <= s:
                    return False
        return True


def negative(rng, person):
    if person:
        parts = [rng.choice(FIRST)]
        if rng.random() < 0.3:
            parts.append(rng.choice(FIRST))
        parts.append(rng.choice(LAST))
        return " ".join(parts), entry.INDIVIDUAL
    parts = [rng.choice(CO_WORDS)]
    if rng.random() < 0.4:
        parts.append(rng.choice(CO_WORDS + LAST))
    parts.append(rng.choice(CO_GENERIC))
    if rng.random() < 0.4:
        parts.append(rng.choice(CO_GENERIC))
    if rng.random() < 0.7:
        parts.append(rng.choice(CO_FORMS))
    return " ".join(parts), entry.ENTITY


def build_set(entries, size, seed):
    """[(query dict, target entry index or -1, kind)] and the number of rejected negatives."""
    rng = random.Random(seed)
    npos = size // 2
    out = []
    k = 0
    tries = 0
    while len(out) < npos and tries < npos * 50:
        tries += 1
        kind = KINDS[k % len(KINDS)]
        ei = rng.randrange(len(entries))
        e = entries[ei]
        v = variant(rng, kind, e)
        if not v or not normalize.tokens(v):
            continue
        out.append(({"name": v, "type": e.type, "country": "", "dob": "", "aliases": []},
                    ei, kind))
        k += 1
    names = ListNames(entries)
    rejected = 0
    tries = 0
    while len(out) < size and tries < size * 50:
        tries += 1
        nm, t = negative(rng, rng.random() < 0.6)
        if not names.clear_of(nm):
            rejected += 1
            continue
        out.append(({"name": nm, "type": t, "country": "", "dob": "", "aliases": []}, -1,
                    "negative"))
    return out, rejected


# --- scoring -------------------------------------------------------------------------------
def curve(results, queries, thresholds):
    """results[i]: {entry index: score bp} for query i. -> {thr: (recall, precision, ...)}."""
    out = {}
    npos = sum(1 for q in queries if q[1] >= 0)
    for thr in thresholds:
        found = alerts = correct = false_neg_alerts = 0
        for (q, target, kind), res in zip(queries, results):
            hit = [ei for ei, s in res.items() if s >= thr]
            if hit:
                alerts += 1
                if target >= 0 and target in hit:
                    correct += 1
                elif target < 0:
                    false_neg_alerts += 1
            if target >= 0 and target in hit:
                found += 1
        out[thr] = {"recall": found / npos if npos else 0.0,
                    "precision": correct / alerts if alerts else 1.0,
                    "alerts": alerts, "negatives_alerted": false_neg_alerts}
    return out


def by_kind(results, queries, thr):
    kinds = {}
    for (q, target, kind), res in zip(queries, results):
        n, f = kinds.get(kind, (0, 0))
        if target >= 0:
            f += 1 if res.get(target, -1) >= thr else 0
        else:
            f += 1 if any(s >= thr for s in res.values()) else 0
        kinds[kind] = (n + 1, f)
    return {k: {"queries": n, ("alerted" if k == "negative" else "found"): f}
            for k, (n, f) in sorted(kinds.items())}


def run(list_dir=DEFAULT_DIR, size=600, seed=1, threshold=9500, verbose=True):
    t0 = time.time()
    entries = load_entries(list_dir)
    t_load = time.time() - t0
    t0 = time.time()
    idx = matcher.Index(entries)
    t_build = time.time() - t0
    queries, rejected = build_set(entries, size, seed)

    # ours
    ours = []
    cands = []
    scored = 0
    t0 = time.time()
    for q, target, kind in queries:
        st = {}
        res = idx.search(q, SEARCH_FLOOR, limit=100, stats=st)
        scored += st["scored"]
        d = {}
        for m in res:
            ei = _entry_index(idx, m)
            d[ei] = max(d.get(ei, 0), m["score"])
        ours.append(d)
    for q, target, kind in queries:            # the candidate names, for the references
        cands.append(idx.candidates([idx.prepare(q["name"])], matcher.DEFAULT_CANDIDATES))
    # our speed at the threshold itself (what a screening costs)
    t0 = time.time()
    for q, target, kind in queries:
        idx.search(q, threshold, limit=10)
    t_ours_thr = time.time() - t0

    figures = {"list": "ofac_sdn", "entries": len(entries), "names": len(idx.names),
               "index": idx.stats(), "load_s": round(t_load, 3),
               "index_build_s": round(t_build, 3), "queries": len(queries),
               "positives": sum(1 for q in queries if q[1] >= 0),
               "negatives": sum(1 for q in queries if q[1] < 0),
               "negatives_rejected_as_listed": rejected, "seed": seed,
               "threshold": matcher.format_score(threshold), "systems": {}}
    c = curve(ours, queries, CURVE)
    figures["systems"]["ours"] = _summary(c, threshold, ours, queries, len(queries) / t_ours_thr,
                                          "compliance/matcher.py (blocking + score + qualifiers)")
    figures["systems"]["ours"]["mean_names_scored"] = round(scored / len(queries), 1)

    refs = _references(idx, queries, cands)
    if refs is not None:
        for name, (results, secs, what) in refs.items():
            c = curve(results, queries, CURVE)
            figures["systems"][name] = _summary(c, threshold, results, queries,
                                                len(queries) / secs if secs else None, what)
        figures["rapidfuzz_full_scan_qps"] = _full_scan(idx, queries)
        figures["versions"] = _versions()
    if verbose:
        _print(figures)
    return figures


def _entry_index(idx, m):
    # entry ids are unique within one list; map back through a dict built once
    tab = getattr(idx, "_eval_ids", None)
    if tab is None:
        tab = {e.id: i for i, e in enumerate(idx.entries)}
        idx._eval_ids = tab
    return tab[m["entry_id"]]


def _summary(c, thr, results, queries, qps, what):
    at = c.get(thr)
    if at is None:
        at = curve(results, queries, [thr])[thr]
    return {"what": what, "recall": round(at["recall"], 4),
            "precision": round(at["precision"], 4), "alerts": at["alerts"],
            "negatives_alerted": at["negatives_alerted"],
            "by_kind": by_kind(results, queries, thr),
            "curve": [[matcher.format_score(t), round(v["recall"], 4), round(v["precision"], 4)]
                      for t, v in sorted(c.items())],
            "screenings_per_s": round(qps, 1) if qps else None}


def _references(idx, queries, cands):
    try:
        import jellyfish
        from rapidfuzz import fuzz, utils
    except ImportError:
        return None
    proc = {}

    def p(text):
        r = proc.get(text)
        if r is None:
            r = utils.default_process(text)
            proc[text] = r
        return r

    def sort_words(text):
        return " ".join(sorted(text.split()))

    out = {}
    for name, what in (("rapidfuzz_token_set", "rapidfuzz.fuzz.token_set_ratio, default_process"),
                       ("jellyfish_jw_sorted", "jellyfish.jaro_winkler_similarity of sorted "
                                               "words, default_process")):
        results = []
        t0 = time.time()
        for (q, target, kind), cs in zip(queries, cands):
            qa = p(q["name"])
            qs = sort_words(qa)
            d = {}
            for nid in cs:
                ei, nm, _ = idx.names[nid]
                if name == "rapidfuzz_token_set":
                    s = fuzz.token_set_ratio(qa, p(nm)) / 100.0
                else:
                    s = jellyfish.jaro_winkler_similarity(qs, sort_words(p(nm)))
                bp = int(s * 10000 + 0.5)
                if bp > d.get(ei, -1):
                    d[ei] = bp
            results.append({k: v for k, v in d.items() if v >= SEARCH_FLOOR})
        out[name] = (results, time.time() - t0, what + " on our candidates")
    return out


def _full_scan(idx, queries):
    from rapidfuzz import fuzz, process, utils
    choices = [utils.default_process(n[1]) for n in idx.names]
    sample = queries[:200]
    t0 = time.time()
    for q, target, kind in sample:
        process.extract(utils.default_process(q["name"]), choices, scorer=fuzz.token_set_ratio,
                        score_cutoff=95, limit=10)
    return round(len(sample) / (time.time() - t0), 1)


def _versions():
    from importlib import metadata
    out = {}
    for pkg in ("rapidfuzz", "jellyfish"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = None
    return out


def _print(f):
    print("screen_eval: %s, %d entries, %d names; index built in %.2f s; %d queries "
          "(%d variants, %d negatives; %d composed negatives refused as listed)"
          % (f["list"], f["entries"], f["names"], f["index_build_s"], f["queries"],
             f["positives"], f["negatives"], f["negatives_rejected_as_listed"]))
    print("threshold %s" % f["threshold"])
    for name, s in f["systems"].items():
        print("  %-22s recall %.4f  precision %.4f  alerts %d (negatives %d)  %s screenings/s"
              % (name, s["recall"], s["precision"], s["alerts"], s["negatives_alerted"],
                 s["screenings_per_s"]))
    print("found/alerted by kind at the threshold:")
    kinds = list(f["systems"]["ours"]["by_kind"])
    print("  %-12s %s" % ("kind", " ".join("%22s" % n for n in f["systems"])))
    for k in kinds:
        cells = []
        for s in f["systems"].values():
            v = s["by_kind"][k]
            cells.append("%22s" % ("%d/%d" % (v.get("found", v.get("alerted")), v["queries"])))
        print("  %-12s %s" % (k, " ".join(cells)))
    print("curve (threshold: recall/precision):")
    print("  %-6s %s" % ("thr", " ".join("%22s" % n for n in f["systems"])))
    rows = list(zip(*[s["curve"] for s in f["systems"].values()]))
    for row in rows:
        print("  %-6s %s" % (row[0][0], " ".join("%22s" % ("%.4f / %.4f" % (r[1], r[2]))
                                                   for r in row)))
    if "rapidfuzz_full_scan_qps" in f:
        print("rapidfuzz full scan of all %d names (no blocking): %s screenings/s"
              % (f["names"], f["rapidfuzz_full_scan_qps"]))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--list-dir", default=DEFAULT_DIR)
    ap.add_argument("--size", type=int, default=600)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threshold", default="0.95")
    ap.add_argument("--json", default=None)
    a = ap.parse_args(argv)
    figs = run(a.list_dir, a.size, a.seed, matcher.threshold_bp(a.threshold))
    if a.json:
        with open(a.json, "w") as fh:
            json.dump(figs, fh, indent=1)
    return figs


if __name__ == "__main__":
    main()
