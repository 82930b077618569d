"""The UN Security Council Consolidated List (XML, scsanctions.un.org).

Each INDIVIDUAL and ENTITY element is an entry: its id is the REFERENCE_NUMBER ("QDi.001",
the UN's permanent reference; DATAID when missing), its name FIRST_NAME .. FOURTH_NAME
joined, then every alias (INDIVIDUAL_ALIAS / ENTITY_ALIAS ALIAS_NAME) and the name in
original script; the programme is UN_LIST_TYPE ("Al-Qaida", "DPRK", ...), the list date
LISTED_ON. Dates of birth come from INDIVIDUAL_DATE_OF_BIRTH (DATE, YEAR, or FROM_YEAR ..
TO_YEAR) and the aliases' DATE_OF_BIRTH; countries from NATIONALITY and the addresses.
Aliases of QUALITY "Low" are left out unless WEAK_ALIASES (the UN's own note: too weak to
identify anyone; OFAC's weak a.k.a.s are treated the same). The version is the root's
dateGenerated.
"""
from compliance import lists_common as C
from compliance.lists_common import WS
from compliance import xmlread
from compliance.entry import ENTITY, INDIVIDUAL, ListData, ListError

WEAK_ALIASES = False

_TYPES = {"INDIVIDUAL": INDIVIDUAL, "ENTITY": ENTITY}
_NAME_PARTS = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")
# elements whose few distinct texts xmlread decodes once (codes, countries, types, years)
_REPEATS = set(("VALUE", "QUALITY", "COUNTRY", "VERSIONNUM", "UN_LIST_TYPE", "TYPE_OF_DATE",
                "LISTED_ON", "YEAR", "TYPE_OF_DOCUMENT", "ISSUING_COUNTRY", "COUNTRY_OF_ISSUE",
                "GENDER", "COUNTRY_OF_BIRTH"))


def _entry(el, name):
    ref = C.clean(el.findtext("REFERENCE_NUMBER"))
    if not ref:
        ref = el.findtext("DATAID").strip(WS)
    if not ref:
        raise ListError(name, el.line, "REFERENCE_NUMBER", "an %s without a reference number "
                        "or DATAID" % el.tag)
    d = C.Draft(ref, _TYPES[el.tag], name, el.line, C.date(el.findtext("LISTED_ON")))
    parts = []
    for t in _NAME_PARTS:
        p = el.findtext(t).strip(WS)
        if p:
            parts.append(p)
    # the empty parts left out: Draft.name() would make their spaces one anyway
    primary = parts[0] if len(parts) == 1 else " ".join(parts)
    if not primary:
        raise ListError(name, el.line, "FIRST_NAME", "%s %s has no name" % (el.tag, ref))
    d.name(primary, name, el.line, "FIRST_NAME")
    prog = el.findtext("UN_LIST_TYPE")
    if prog.strip(WS):
        d.program(prog, name, el.line)
    for c in el.children:
        t = c.tag
        if t == "INDIVIDUAL_ALIAS" or t == "ENTITY_ALIAS":
            if WEAK_ALIASES or c.findtext("QUALITY").strip(WS) != "Low":
                d.name(c.findtext("ALIAS_NAME"), name, c.line, "ALIAS_NAME")
            dob = c.findtext("DATE_OF_BIRTH")
            if dob:
                d.dob(dob, name, c.line)
        elif t == "NAME_ORIGINAL_SCRIPT":
            d.name(c.text, name, c.line, t)
        elif t == "NATIONALITY":
            for v in c.children:
                d.country(v.text, name, v.line)
        elif t == "INDIVIDUAL_ADDRESS" or t == "ENTITY_ADDRESS":
            d.country(c.findtext("COUNTRY"), name, c.line)
        elif t == "INDIVIDUAL_DATE_OF_BIRTH":
            _dob(d, c, name)
    return d.entry("un")


def _dob(d, c, name):
    for t in ("DATE", "YEAR"):
        v = c.findtext(t)
        if v:
            d.dob(v, name, c.line)
    a, b = c.findtext("FROM_YEAR").strip(WS), c.findtext("TO_YEAR").strip(WS)
    if a and b:
        d.dob("%s to %s" % (a, b), name, c.line)
    elif a or b:
        d.dob(a or b, name, c.line)


def un(files):
    """Steps (lists_common) of the UN consolidated list: one XML file (*.xml). Yields every
    C.STEP elements read (start tags), returns the ListData."""
    fname, data = C.pick(files, "*.xml", required=True)
    root = {}
    entries = []
    for el in xmlread.elements(data, _TYPES, fname, root=root, max_size=C.MAX_FILE,
                               ticks=C.STEP, repeats=_REPEATS):
        if el is None:
            yield
        else:
            C.add_entry(entries, _entry(el, fname), fname, el.line)
    if root.get("tag") != "CONSOLIDATED_LIST":
        raise ListError(fname, root.get("line", 1), "CONSOLIDATED_LIST",
                        "not a UN consolidated list (root element <%s>)" % root.get("tag"))
    version = root["attrs"].get("dateGenerated", "").strip(WS)
    if not version:
        version = yield from C.digest_steps({fname: data})
    return ListData("un", version, entries, "UN Security Council Consolidated List (XML)")
