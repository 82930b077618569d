"""Name normalisation for sanctions screening: any script in, lower-case ASCII tokens out.

The matcher compares tokens, so everything that should not decide a match is taken out here,
once, when the index is built and when a query arrives: case, diacritics, ligatures, script
(Cyrillic, Greek and Arabic are transliterated to Latin), punctuation, honorifics and
company-form words. Portable: no unicodedata, no re, no str.translate; the tables are ours
and are built at import time into one dict (code point -> replacement).

Choices (tests/portable/test_normalize.py checks each):
- Diacritics are dropped, not expanded: "Müller" -> "muller" (the lists write MULLER), so
  "Mueller" is a different token that the matcher still scores close (Jaro-Winkler 0.96 and
  the same phonetic key). Ligatures expand: ß ss, æ ae, œ oe, ĳ ij, þ th; ø o, đ d, ł l.
- Apostrophes join ("O'Brien" -> "obrien", "Qa'ida" -> "qaida"): inside names they mark an
  elision or an Arabic ʿayn/hamza, and lists write both with and without them. Every other
  punctuation character (hyphen, dot, comma, slash, quotes) separates tokens. Digits stay.
- Initials written with dots are joined: "S.A." -> "sa", "J. P. Morgan" -> "jp morgan",
  "U.S.A." -> "usa"; an undotted one-letter word stays a token ("Cardenas Y Cia").
- Cyrillic: BGN/PCGN-like (х kh, ц ts, ч ch, ш sh, щ shch, ж zh, й y, ы y, ю yu, я ya,
  ъ ь dropped; е and ё give "ye" at the start of a word and after a vowel, else "e").
  Ukrainian є ye, ї yi, і i, ґ g (and г g: the Russian reading; Ukrainian г is h); Belarusian
  ў u; Serbian/Macedonian ђ dj, ј j, љ lj, њ nj, ћ c, џ dz, ѓ gj, ќ kj, ѕ dz. Bulgarian щ
  (sht) and ъ (a) get the Russian reading.
- Greek: ELOT 743-like (β v, η i, θ th, υ y, φ f, χ ch, ψ ps, ω o; αυ av, ευ ev, ου ou,
  γγ ng, μπ b at the start of a word).
- Arabic (and the Persian letters): a consonant skeleton, one Latin letter (or digraph) per
  letter: ث th, خ kh, ذ dh, ش sh, غ gh, ح h, ع a, ق q, و w, ي y, ة a; short-vowel marks
  give a/u/i when written, shadda and sukun nothing; a word-initial "ال" becomes the token
  "al". Limits: written Arabic mostly omits short vowels, so "محمد" gives "mhmd", not
  "muhammad"; the phonetic key (similarity.phonetic, vowel-free) brings such tokens
  together, but their Jaro-Winkler stays low, so an Arabic-script query alone rarely reaches
  a 0.95 threshold against a Latin list name. The lists carry Latin spellings of Arabic
  names (and aliases), which is what screening relies on; sun-letter assimilation (ad-, ar-,
  as-...) and hamza seats are not modelled.
- Other scripts (CJK, Hebrew, Devanagari, ...) are kept as they are (no case in most of
  them): a name in such a script matches itself and its own variants only.
- Honorifics and company forms (HONORIFICS, COMPANY_FORMS) are dropped wherever they stand,
  unless nothing would be left; forms of 3+ letters also in their other spellings
  (similarity.spelling: "khadzhi" is "hadji", "plk" is "plc"). Words that are titles but
  also names or ordinary company words ("general", "major", "captain", "commander") are kept
  and marked generic instead.
- "al" (and el, bin, ibn, bint, de, van, von, ...) is a name particle: kept as a token (it is
  part of the name, "Al Qaida"), marked in PARTICLES so that the matcher neither indexes it
  nor lets it create or hide a match (it weighs little).
- GENERIC: words of company names that say little ("trading", "bank", "international",
  ...): kept in the token list; the matcher weights them down and does not index them.
Speed: fold() takes most list names (ASCII letters, spaces and the common punctuation) at C
speed with str.lower and str.replace, the same result as the character loop (fold_chars);
tokens() can memoise the spelling check per word (the matcher's index keeps one memo).
"""

from compliance import similarity

MAX_TOKENS = 32          # tokens of one name beyond this are ignored (documented limit)
MAX_TOKEN = 64           # characters of one token beyond this are cut

# --- the character table ---------------------------------------------------------------
# ASCII: letters to lower case, digits kept, apostrophe and backtick join, the rest separates.
_ASCII = []
for _o in range(128):
    if 97 <= _o <= 122 or 48 <= _o <= 57:
        _ASCII.append(chr(_o))
    elif 65 <= _o <= 90:
        _ASCII.append(chr(_o + 32))
    elif _o == 39 or _o == 96:
        _ASCII.append("")
    elif _o == 46:
        _ASCII.append(".")      # kept for tokens() to read initials; then a separator
    else:
        _ASCII.append(" ")

_MAP = {}


def _ranges(spec):
    """spec: (first, last, replacement) triples; every code point in [first, last] maps to
    the replacement."""
    for first, last, rep in spec:
        for o in range(first, last + 1):
            _MAP[o] = rep


def _pairs(text):
    """text: "CHAR REPLACEMENT CHAR REPLACEMENT ..." ("-" is the empty replacement)."""
    words = text.split()
    for i in range(0, len(words), 2):
        rep = words[i + 1]
        _MAP[ord(words[i])] = "" if rep == "-" else rep


# Latin-1 Supplement (U+00A0..U+00FF)
_ranges((
    (0x00A0, 0x00BF, " "), (0x00C0, 0x00C5, "a"), (0x00C6, 0x00C6, "ae"),
    (0x00C7, 0x00C7, "c"), (0x00C8, 0x00CB, "e"), (0x00CC, 0x00CF, "i"),
    (0x00D0, 0x00D0, "d"), (0x00D1, 0x00D1, "n"), (0x00D2, 0x00D6, "o"),
    (0x00D7, 0x00D7, " "), (0x00D8, 0x00D8, "o"), (0x00D9, 0x00DC, "u"),
    (0x00DD, 0x00DD, "y"), (0x00DE, 0x00DE, "th"), (0x00DF, 0x00DF, "ss"),
    (0x00E0, 0x00E5, "a"), (0x00E6, 0x00E6, "ae"), (0x00E7, 0x00E7, "c"),
    (0x00E8, 0x00EB, "e"), (0x00EC, 0x00EF, "i"), (0x00F0, 0x00F0, "d"),
    (0x00F1, 0x00F1, "n"), (0x00F2, 0x00F6, "o"), (0x00F7, 0x00F7, " "),
    (0x00F8, 0x00F8, "o"), (0x00F9, 0x00FC, "u"), (0x00FD, 0x00FD, "y"),
    (0x00FE, 0x00FE, "th"), (0x00FF, 0x00FF, "y"),
))
_MAP[0x00AA] = "a"       # ª
_MAP[0x00BA] = "o"       # º
_MAP[0x00AD] = ""        # soft hyphen
_MAP[0x00B4] = ""        # acute accent used as an apostrophe
# Latin Extended-A (U+0100..U+017F): the letters come in upper/lower pairs, in base-letter
# order.
_ranges((
    (0x0100, 0x0105, "a"), (0x0106, 0x010D, "c"), (0x010E, 0x0111, "d"),
    (0x0112, 0x011B, "e"), (0x011C, 0x0123, "g"), (0x0124, 0x0127, "h"),
    (0x0128, 0x0131, "i"), (0x0132, 0x0133, "ij"), (0x0134, 0x0135, "j"),
    (0x0136, 0x0138, "k"), (0x0139, 0x0142, "l"), (0x0143, 0x0149, "n"),
    (0x014A, 0x014B, "ng"), (0x014C, 0x0151, "o"), (0x0152, 0x0153, "oe"),
    (0x0154, 0x0159, "r"), (0x015A, 0x0161, "s"), (0x0162, 0x0167, "t"),
    (0x0168, 0x0173, "u"), (0x0174, 0x0175, "w"), (0x0176, 0x0178, "y"),
    (0x0179, 0x017E, "z"), (0x017F, 0x017F, "s"),
))
# Latin Extended-B (U+0180..U+024F): the letters in use (African, Vietnamese, Romanian,
# pinyin tones, Croatian digraphs).
_ranges((
    (0x0180, 0x0183, "b"), (0x0184, 0x0185, "b"), (0x0186, 0x0186, "o"),
    (0x0187, 0x0188, "c"), (0x0189, 0x018C, "d"), (0x018D, 0x018D, "d"),
    (0x018E, 0x0190, "e"), (0x0191, 0x0192, "f"), (0x0193, 0x0193, "g"),
    (0x0194, 0x0194, "g"), (0x0195, 0x0195, "hv"), (0x0196, 0x0197, "i"),
    (0x0198, 0x0199, "k"), (0x019A, 0x019B, "l"), (0x019C, 0x019C, "m"),
    (0x019D, 0x019E, "n"), (0x019F, 0x01A1, "o"), (0x01A2, 0x01A3, "oi"),
    (0x01A4, 0x01A5, "p"), (0x01A6, 0x01A6, "r"), (0x01A7, 0x01A8, "s"),
    (0x01A9, 0x01AA, "s"), (0x01AB, 0x01AE, "t"), (0x01AF, 0x01B0, "u"),
    (0x01B1, 0x01B1, "u"), (0x01B2, 0x01B2, "v"), (0x01B3, 0x01B4, "y"),
    (0x01B5, 0x01B6, "z"), (0x01B7, 0x01B9, "z"), (0x01BA, 0x01BA, "z"),
    (0x01BC, 0x01BD, "5"), (0x01BF, 0x01BF, "w"),
    (0x01C4, 0x01C6, "dz"), (0x01C7, 0x01C9, "lj"), (0x01CA, 0x01CC, "nj"),
    (0x01CD, 0x01CE, "a"), (0x01CF, 0x01D0, "i"), (0x01D1, 0x01D2, "o"),
    (0x01D3, 0x01DC, "u"), (0x01DD, 0x01DD, "e"), (0x01DE, 0x01E1, "a"),
    (0x01E2, 0x01E3, "ae"), (0x01E4, 0x01E7, "g"), (0x01E8, 0x01E9, "k"),
    (0x01EA, 0x01ED, "o"), (0x01EE, 0x01EF, "z"), (0x01F0, 0x01F0, "j"),
    (0x01F1, 0x01F3, "dz"), (0x01F4, 0x01F5, "g"), (0x01F6, 0x01F6, "hv"),
    (0x01F7, 0x01F7, "w"), (0x01F8, 0x01F9, "n"), (0x01FA, 0x01FB, "a"),
    (0x01FC, 0x01FD, "ae"), (0x01FE, 0x01FF, "o"), (0x0200, 0x0203, "a"),
    (0x0204, 0x0207, "e"), (0x0208, 0x020B, "i"), (0x020C, 0x020F, "o"),
    (0x0210, 0x0213, "r"), (0x0214, 0x0217, "u"), (0x0218, 0x0219, "s"),
    (0x021A, 0x021B, "t"), (0x021C, 0x021D, "y"), (0x021E, 0x021F, "h"),
    (0x0220, 0x0220, "n"), (0x0221, 0x0221, "d"), (0x0222, 0x0223, "ou"),
    (0x0224, 0x0225, "z"), (0x0226, 0x0227, "a"), (0x0228, 0x0229, "e"),
    (0x022A, 0x0231, "o"), (0x0232, 0x0233, "y"), (0x0234, 0x0234, "l"),
    (0x0235, 0x0235, "n"), (0x0236, 0x0236, "t"), (0x0237, 0x0237, "j"),
    (0x0238, 0x0238, "db"), (0x0239, 0x0239, "qp"), (0x023A, 0x023A, "a"),
    (0x023B, 0x023C, "c"), (0x023D, 0x023D, "l"), (0x023E, 0x023E, "t"),
    (0x023F, 0x023F, "s"), (0x0240, 0x0240, "z"), (0x0243, 0x0243, "b"),
    (0x0244, 0x0244, "u"), (0x0245, 0x0245, "v"), (0x0246, 0x0247, "e"),
    (0x0248, 0x0249, "j"), (0x024A, 0x024B, "q"), (0x024C, 0x024D, "r"),
    (0x024E, 0x024F, "y"),
))
# Spacing modifier letters used as apostrophes (ʻ ʼ ʾ ʿ), combining marks (dropped: a name
# typed in decomposed form folds as the composed one), zero-width characters.
_ranges(((0x02B9, 0x02BF, ""), (0x0300, 0x036F, ""), (0x200B, 0x200F, ""),
         (0xFE00, 0xFE0F, ""), (0xFEFF, 0xFEFF, "")))
# Latin Extended Additional (U+1E00..U+1EFF): dotted/underdotted letters of Arabic and
# Sanskrit transliteration, then the Vietnamese vowels.
_ranges((
    (0x1E00, 0x1E01, "a"), (0x1E02, 0x1E07, "b"), (0x1E08, 0x1E09, "c"),
    (0x1E0A, 0x1E13, "d"), (0x1E14, 0x1E1D, "e"), (0x1E1E, 0x1E1F, "f"),
    (0x1E20, 0x1E21, "g"), (0x1E22, 0x1E2B, "h"), (0x1E2C, 0x1E2F, "i"),
    (0x1E30, 0x1E35, "k"), (0x1E36, 0x1E3D, "l"), (0x1E3E, 0x1E43, "m"),
    (0x1E44, 0x1E4B, "n"), (0x1E4C, 0x1E53, "o"), (0x1E54, 0x1E57, "p"),
    (0x1E58, 0x1E5F, "r"), (0x1E60, 0x1E69, "s"), (0x1E6A, 0x1E71, "t"),
    (0x1E72, 0x1E7B, "u"), (0x1E7C, 0x1E7F, "v"), (0x1E80, 0x1E89, "w"),
    (0x1E8A, 0x1E8D, "x"), (0x1E8E, 0x1E8F, "y"), (0x1E90, 0x1E95, "z"),
    (0x1E96, 0x1E96, "h"), (0x1E97, 0x1E97, "t"), (0x1E98, 0x1E98, "w"),
    (0x1E99, 0x1E99, "y"), (0x1E9A, 0x1E9A, "a"), (0x1E9B, 0x1E9D, "s"),
    (0x1E9E, 0x1E9E, "ss"), (0x1E9F, 0x1E9F, "d"),
    (0x1EA0, 0x1EB7, "a"), (0x1EB8, 0x1EC7, "e"), (0x1EC8, 0x1ECB, "i"),
    (0x1ECC, 0x1EE3, "o"), (0x1EE4, 0x1EF1, "u"), (0x1EF2, 0x1EF9, "y"),
))
# General Punctuation, symbols, CJK punctuation: separators; quotation marks that serve as
# apostrophes join.
_ranges(((0x2010, 0x2017, " "), (0x2020, 0x205E, " "), (0x2060, 0x206F, ""),
         (0x2070, 0x2BFF, " "), (0x3000, 0x303F, " ")))
_MAP[0x2018] = ""        # ‘
_MAP[0x2019] = ""        # ’
_MAP[0x201A] = " "
_MAP[0x201B] = ""        # ‛
_MAP[0x201C] = " "
_MAP[0x201D] = " "
_MAP[0x201E] = " "
_MAP[0x201F] = " "
_MAP[0x2032] = ""        # ′ (prime, typed for an apostrophe)
# Fullwidth ASCII (U+FF01..U+FF5E) folds as ASCII.
for _o in range(0xFF01, 0xFF5F):
    _MAP[_o] = _ASCII[_o - 0xFEE0]

# Cyrillic (U+0400..U+045F, U+0490..U+0491). "е"/"ё"/"Є" are handled in fold() by context;
# the table gives their reading inside a word.
_CYR_UPPER = ("a b v g d e zh z i y k l m n o p r s t u f kh ts ch sh shch - y - e yu ya")
_o = 0x0410
for _rep in _CYR_UPPER.split():
    _MAP[_o] = "" if _rep == "-" else _rep          # А..Я
    _MAP[_o + 0x20] = _MAP[_o]                      # а..я
    _o += 1
_CYR_0400 = "e e dj gj ye dz i yi j lj nj c kj i u dz"   # Ѐ Ё Ђ Ѓ Є Ѕ І Ї Ј Љ Њ Ћ Ќ Ѝ Ў Џ
_o = 0x0400
for _rep in _CYR_0400.split():
    _MAP[_o] = _rep
    _MAP[_o + 0x50] = _rep                          # ѐ ё ђ ...
    _o += 1
_MAP[0x0490] = "g"       # Ґ
_MAP[0x0491] = "g"       # ґ
_CYR_E = (0x0415, 0x0435, 0x0401, 0x0451)          # Е е Ё ё: "ye" at a word start/after a vowel
_CYR_SOFT = (0x042A, 0x044A, 0x042C, 0x044C)       # Ъ ъ Ь ь (then е reads "ye")

# Greek (U+0386..U+03CE): ELOT 743-like. υ (0x03C5, 0x03A5 and accented forms) is handled
# in fold() after α/ε/ο.
_pairs("Α a Β v Γ g Δ d Ε e Ζ z Η i Θ th Ι i Κ k Λ l Μ m Ν n Ξ x Ο o Π p Ρ r Σ s Τ t "
       "Υ y Φ f Χ ch Ψ ps Ω o "
       "α a β v γ g δ d ε e ζ z η i θ th ι i κ k λ l μ m ν n ξ x ο o π p ρ r ς s σ s "
       "τ t υ y φ f χ ch ψ ps ω o "
       "Ά a Έ e Ή i Ί i Ό o Ύ y Ώ o Ϊ i Ϋ y ά a έ e ή i ί i ό o ύ y ώ o ϊ i ϋ y ΐ i ΰ y "
       "ϐ v ϑ th ϕ f ϖ p ϰ k ϱ r ϲ s")
_GR_UPSILON = (0x03C5, 0x03A5, 0x03CD, 0x038E, 0x03CB, 0x03AB, 0x03B0)
_GR_AE = (0x03B1, 0x0391, 0x03AC, 0x0386, 0x03B5, 0x0395, 0x03AD, 0x0388)   # α ε (+accents)
_GR_O = (0x03BF, 0x039F, 0x03CC, 0x038C)                                     # ο
_GR_GAMMA = (0x03B3, 0x0393)
_GR_MU = (0x03BC, 0x039C)
_GR_PI = (0x03C0, 0x03A0)

# Arabic (U+060C..U+06FF) and the Persian/Urdu letters: a consonant skeleton.
_pairs("ء - آ a أ a ؤ - إ i ئ - ا a ب b ة a ت t ث th ج j ح h خ kh د d ذ dh ر r ز z "
       "س s ش sh ص s ض d ط t ظ z ع a غ gh ف f ق q ك k ل l م m ن n ه h و w ى a ي y "
       "ـ - ً - ٌ - ٍ - َ a ُ u ِ i ّ - ْ - ٰ a ٱ a "
       "پ p چ ch ژ zh ک k گ g ی y ۀ h ە h ھ h ں n ٹ t ڈ d ڑ r ے y")
_ranges(((0x060C, 0x060C, " "), (0x061B, 0x061B, " "), (0x061F, 0x061F, " "),
         (0x066A, 0x066D, " "), (0x06D4, 0x06D4, " ")))
for _o in range(10):
    _MAP[0x0660 + _o] = chr(48 + _o)    # Arabic-Indic digits
    _MAP[0x06F0 + _o] = chr(48 + _o)    # Extended Arabic-Indic digits
_AR_ALEF = 0x0627
_AR_LAM = 0x0644

_VOWELS = "aeiouy"

# --- words -------------------------------------------------------------------------------
HONORIFICS = frozenset((
    "mr", "mrs", "ms", "mx", "miss", "messrs", "mme", "mlle", "dr", "prof", "sir", "dame",
    "lord", "lady", "hon", "rev", "revd", "fr", "jr", "snr", "esq", "phd",
    "sheikh", "shaikh", "shaykh", "sheik", "shaik", "cheikh", "haji", "hajji", "hadji",
    "alhaji", "alhaj", "hajj", "mullah", "mulla", "maulana", "mawlana", "maulvi", "mawlawi",
    "moulavi", "ayatollah", "hojatoleslam", "gen", "col", "maj", "capt", "cpt", "lt",
    "ltcol", "brig", "adm", "sgt", "cdr", "cmdr", "herr", "frau", "senor", "sr", "sra",
    "srta", "dona", "gospodin", "gospozha",
))
# Words that are titles but also names or company words: kept, weighted as generic.
AMBIGUOUS_TITLES = frozenset((
    "general", "colonel", "major", "captain", "commander", "lieutenant", "brigadier",
    "admiral", "marshal", "sergeant", "prince", "princess", "pasha", "bey", "effendi",
    "datuk", "dato", "sri",
))
COMPANY_FORMS = frozenset((
    "llc", "llp", "lp", "ltd", "ltda", "limited", "inc", "incorporated", "corp", "co",
    "gmbh", "mbh", "ag", "kg", "ohg", "ug", "sa", "sas", "sarl", "sae", "saog", "saoc",
    "sal", "sak", "spa", "srl", "sl", "slu", "sp", "zoo", "ooo", "oao", "zao", "pao", "jsc",
    "ojsc", "cjsc", "pjsc", "ojs", "tov", "pp", "plc", "bv", "nv", "bvba", "kft", "zrt",
    "nyrt", "as", "asa", "ab", "oy", "oyj", "aps", "pte", "pty", "fze", "fzco", "fzc",
    "fzllc", "fzd", "wll", "bsc", "spc", "doo", "dooel", "dd", "ad", "eood", "ood", "bhd",
    "sdn", "tbk", "pt", "cv", "sac", "eirl", "kk", "gk", "yk", "sro", "akc", "ltdco",
    "pvt", "lc", "pllc", "gbr", "se", "scs", "scrl", "sprl", "ehf", "hf", "srltd",
))
PARTICLES = frozenset((
    "al", "el", "ul", "bin", "ibn", "bint", "bnt", "ben", "ould", "bn", "de", "del", "della",
    "der", "den", "di", "da", "dos", "das", "du", "la", "le", "les", "van", "von", "vom",
    "zu", "y", "e", "of", "the", "and", "und", "et", "for", "af", "av", "ter", "ten",
    "ap", "st",
))
GENERIC = frozenset((
    "trading", "trade", "traders", "international", "intl", "internacional",
    "internationale", "bank", "banking", "banco", "banque", "banca", "company", "companies",
    "compania", "compagnie", "cia", "group", "grupo", "groupe", "holding", "holdings",
    "general", "generale", "import", "export", "imports", "exports", "importexport",
    "industries", "industry", "industrial", "industrie", "services", "service", "shipping",
    "ship", "ships", "global", "enterprise", "enterprises", "investment", "investments",
    "development", "resources", "solutions", "systems", "technology", "technologies", "tech",
    "management", "partners", "consulting", "construction", "engineering", "petroleum",
    "oil", "gas", "energy", "electronics", "commercial", "commerce", "comercial",
    "logistics", "marine", "maritime", "navigation", "airlines", "airline", "aviation",
    "air", "airways", "line", "lines", "transport", "transportation", "finance",
    "financial", "capital", "fund", "foundation", "association", "organization",
    "organisation", "institute", "ministry", "national", "nacional", "state", "federal",
    "central", "united", "corporation", "agency", "establishment", "est", "factory",
    "manufacturing", "products", "supply", "supplies", "equipment", "chemical", "chemicals",
    "pharmaceutical", "pharmaceuticals", "exchange", "money", "mining",
    "insurance", "society", "sociedad", "societe", "office", "center", "centre",
    "liability", "joint", "stock", "private", "public", "business", "ventures", "venture",
    "media", "network", "telecom", "communications", "agro", "food", "foods", "textile",
    "textiles", "tanker", "tankers", "shipmanagement", "trust", "bureau", "cooperative",
    "firm", "partnership", "consortium", "alliance", "house", "world", "middle", "east",
    "west", "north", "south", "gulf", "sea", "port", "freight", "cargo", "express",
    "sherkat", "sanayi", "ticaret", "commodities", "metals", "steel", "auto",
)) | AMBIGUOUS_TITLES

# Honorifics and company forms are also recognised in their other spellings (Cyrillic
# "хаджи" gives "khadzhi", which spells as "hadji"; "плк" gives "plk", as "plc" does) when
# they have 3 letters or more (two-letter forms like "co" would catch names like "Ko").
_DROP_SPELT = frozenset([similarity.spelling(w) for w in HONORIFICS | COMPANY_FORMS
                         if len(w) >= 3])

# Token kinds (the matcher's weights key on these)
NAME = 0
GENERIC_KIND = 1
PARTICLE_KIND = 2


def kind(tok):
    """NAME, GENERIC_KIND or PARTICLE_KIND (one-letter tokens count as particles)."""
    if tok in PARTICLES or len(tok) == 1:
        return PARTICLE_KIND
    if tok in GENERIC:
        return GENERIC_KIND
    return NAME


_HAS_ISASCII = hasattr("", "isascii")     # CPython; MicroPython's isalpha is ASCII-only


def fold(text):
    """Case-fold, strip diacritics, transliterate and turn punctuation into spaces: the
    result is lower-case ASCII letters, digits, spaces and dots (tokens() reads initials
    from the dots, then splits on them), plus characters of scripts we keep as they are.

    Fast path (most list names): ASCII text of letters, spaces, dots, apostrophes and the
    separators , - & ( ) / is folded at C speed with str.lower and str.replace, the same
    result as the character loop (fold_chars), which takes everything else."""
    s = text.lower()
    if "," in s:
        s = s.replace(",", " ")
    if "-" in s:
        s = s.replace("-", " ")
    if "'" in s:
        s = s.replace("'", "")
    if "&" in s:
        s = s.replace("&", " ")
    if "(" in s:
        s = s.replace("(", " ")
    if ")" in s:
        s = s.replace(")", " ")
    if "/" in s:
        s = s.replace("/", " ")
    t = s
    if " " in t:
        t = t.replace(" ", "")
    if "." in t:
        t = t.replace(".", "")
    # t is all letters: ASCII ones in MicroPython (its isalpha says False for any other
    # byte); CPython's isalpha knows every script, so there text.isascii() decides
    if (not t or t.isalpha()) and (not _HAS_ISASCII or text.isascii()):
        return s
    return fold_chars(text)


def fold_chars(text):
    """fold(), one character at a time (the general path; fold's fast path must equal it)."""
    out = []
    prev = 32            # previous source code point (a space at the start)
    prev_letter = False  # was the previous source character a letter
    word_start = 0       # index in out where the current word starts
    for ch in text:
        o = ord(ch)
        if o < 128:
            r = _ASCII[o]
            if r == " " or r == ".":
                word_start = len(out) + 1
                prev_letter = False
            else:
                prev_letter = r != ""
            out.append(r)
            prev = o
            continue
        r = _MAP.get(o)
        if r is None:
            r = ch                      # another script: kept
        elif 0x0400 <= o <= 0x04FF:
            if o in _CYR_E and (not prev_letter or _last_is_vowel(out) or prev in _CYR_SOFT):
                r = "ye"
        elif 0x0370 <= o <= 0x03FF:
            if o in _GR_UPSILON:
                if prev in _GR_AE:
                    r = "v"
                elif prev in _GR_O:
                    r = "u"
            elif o in _GR_GAMMA and prev in _GR_GAMMA:
                out[-1] = "n"
            elif o in _GR_PI and prev in _GR_MU and len(out) - 1 == word_start:
                out[-1] = "b"
                r = ""
        elif o == _AR_LAM and prev == _AR_ALEF and len(out) - 1 == word_start:
            r = "l "                    # word-initial ال: the article, a token of its own
        if r == " ":
            word_start = len(out) + 1
            prev_letter = False
        elif r != "":
            prev_letter = True
            if r[-1] == " ":
                word_start = len(out) + 1
        out.append(r)
        prev = o
    return "".join(out)


def _last_is_vowel(out):
    if not out or not out[-1]:
        return False
    return out[-1][-1] in _VOWELS


def _words(folded):
    """Split on spaces and dots. Letters written as initials with dots are joined: one word
    "s.a." gives "sa", and consecutive words "j." "p." give "jp"; an undotted single letter
    ("Y" in "Cardenas y Cia") stays alone."""
    if "." not in folded:
        return folded.split()
    res = []
    dotted = False           # is res[-1] a single letter written with a dot
    for w in folded.split():
        if "." not in w:
            res.append(w)
            dotted = False
            continue
        parts = [p for p in w.split(".") if p]
        if not parts:
            continue
        singles = True
        for p in parts:
            if len(p) != 1 or not "a" <= p <= "z":
                singles = False
                break
        if singles and (len(parts) > 1 or w[-1] == "."):
            tok = "".join(parts)
            if dotted:
                res[-1] = res[-1] + tok
            else:
                res.append(tok)
            dotted = True
            continue
        res.extend(parts)
        dotted = False
    return res


MEMO_LIMIT = 500000      # words a tokens() memo holds at most (beyond, they are not kept)


def spelt(w):
    """similarity.spelling(w), or None when tokens() drops the word (an honorific or a
    company form, in any of its spellings when it has 3 letters or more)."""
    if w in HONORIFICS or w in COMPANY_FORMS:
        return None
    sp = similarity.spelling(w)
    if len(w) >= 3 and sp in _DROP_SPELT:
        return None
    return sp


def tokens(name, memo=None):
    """The name's tokens, in order: folded, initials joined, honorifics and company forms
    dropped (unless nothing else is left), at most MAX_TOKENS, each at most MAX_TOKEN
    characters. ``memo`` (a dict, optional; the matcher keeps one per index) caches spelt()
    per word: word -> its spelling, or None for a dropped word (up to MEMO_LIMIT words)."""
    words = _words(fold(name))
    kept = []
    long_ = False
    for w in words:
        if memo is None:
            sp = spelt(w)
        else:
            sp = memo.get(w, "")
            if sp == "":
                sp = spelt(w)
                if len(memo) < MEMO_LIMIT:
                    memo[w] = sp
        if sp is None:
            continue
        kept.append(w)
        if len(w) > MAX_TOKEN:
            long_ = True
    if not kept:
        kept = words
        for w in words:
            if len(w) > MAX_TOKEN:
                long_ = True
    if len(kept) > MAX_TOKENS:
        kept = kept[:MAX_TOKENS]
    if long_:
        for i in range(len(kept)):
            if len(kept[i]) > MAX_TOKEN:
                kept[i] = kept[i][:MAX_TOKEN]
    return kept


def key(name):
    """The normalised name as one string (tokens joined by a space)."""
    return " ".join(tokens(name))
