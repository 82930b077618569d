"""Country names and codes as the sanctions lists write them -> ISO 3166-1 alpha-2.

Lists name countries every way: OFAC "Iran", "Korea, North", "Congo, Democratic Republic of
the", "Man, Isle of"; the UN "Iran (Islamic Republic of)", "Democratic People's Republic of
Korea", "Turkiye"; trade.gov and BIS two-letter codes; OpenSanctions lower-case codes.
`code(s)` takes any of them and gives the alpha-2 code, or "" when it does not know the name
("None Identified", "former Soviet Union", a state or a city).

A name is looked up by a key that ignores case, Latin diacritics, punctuation, word order and
the words "the", "and", "region", "possibly" ("Korea, North" and "North Korea" are one key;
"Region: Gaza" is "Gaza"). The table holds every ISO 3166-1 country (249: alpha-2, alpha-3,
the ISO short and official names) and the variants the lists use; plus XK for Kosovo, the
user-assigned code that OFAC, the EU and OpenSanctions use (Kosovo has no ISO code).
Portable (CPython and MicroPython): plain dicts built at import, a bounded cache of lookups.
"""

# "AA AAA ISO short name|other names"; a line starting with spaces continues the names.
_TABLE = """\
AD AND Andorra|Principality of Andorra
AE ARE United Arab Emirates|UAE|Emirates
AF AFG Afghanistan|Islamic Republic of Afghanistan
AG ATG Antigua and Barbuda|Antigua
AI AIA Anguilla
AL ALB Albania|Republic of Albania
AM ARM Armenia|Republic of Armenia
AO AGO Angola|Republic of Angola
AQ ATA Antarctica
AR ARG Argentina|Argentine Republic
AS ASM American Samoa
AT AUT Austria|Republic of Austria
AU AUS Australia
AW ABW Aruba
AX ALA Aland Islands
AZ AZE Azerbaijan|Republic of Azerbaijan
BA BIH Bosnia and Herzegovina|Republic of Bosnia and Herzegovina|Bosnia-Herzegovina|Bosnia
BB BRB Barbados
BD BGD Bangladesh|People's Republic of Bangladesh
BE BEL Belgium|Kingdom of Belgium
BF BFA Burkina Faso
BG BGR Bulgaria|Republic of Bulgaria
BH BHR Bahrain|Kingdom of Bahrain
BI BDI Burundi|Republic of Burundi
BJ BEN Benin|Republic of Benin
BL BLM Saint Barthelemy|St Barts|Saint Barths
BM BMU Bermuda
BN BRN Brunei Darussalam|Brunei
BO BOL Bolivia, Plurinational State of|Plurinational State of Bolivia|Bolivia
BQ BES Bonaire, Sint Eustatius and Saba|Bonaire|Caribbean Netherlands
BR BRA Brazil|Federative Republic of Brazil
BS BHS Bahamas|Commonwealth of the Bahamas|The Bahamas
BT BTN Bhutan|Kingdom of Bhutan
BV BVT Bouvet Island
BW BWA Botswana|Republic of Botswana
BY BLR Belarus|Republic of Belarus
BZ BLZ Belize
CA CAN Canada
CC CCK Cocos (Keeling) Islands|Cocos Islands|Keeling Islands
CD COD Congo, The Democratic Republic of the|Democratic Republic of the Congo|DR Congo|DRC
       |Congo-Kinshasa|Zaire|Congo, Democratic Republic of the
CF CAF Central African Republic|CAR
CG COG Congo|Republic of the Congo|Congo-Brazzaville|Congo, Republic of the
CH CHE Switzerland|Swiss Confederation
CI CIV Cote d'Ivoire|Republic of Cote d'Ivoire|Ivory Coast
CK COK Cook Islands
CL CHL Chile|Republic of Chile
CM CMR Cameroon|Republic of Cameroon
CN CHN China|People's Republic of China|PRC|Mainland China
CO COL Colombia|Republic of Colombia
CR CRI Costa Rica|Republic of Costa Rica
CU CUB Cuba|Republic of Cuba
CV CPV Cabo Verde|Republic of Cabo Verde|Cape Verde
CW CUW Curacao
CX CXR Christmas Island
CY CYP Cyprus|Republic of Cyprus
CZ CZE Czechia|Czech Republic
DE DEU Germany|Federal Republic of Germany
DJ DJI Djibouti|Republic of Djibouti
DK DNK Denmark|Kingdom of Denmark
DM DMA Dominica|Commonwealth of Dominica
DO DOM Dominican Republic
DZ DZA Algeria|People's Democratic Republic of Algeria
EC ECU Ecuador|Republic of Ecuador
EE EST Estonia|Republic of Estonia
EG EGY Egypt|Arab Republic of Egypt
EH ESH Western Sahara
ER ERI Eritrea|the State of Eritrea
ES ESP Spain|Kingdom of Spain
ET ETH Ethiopia|Federal Democratic Republic of Ethiopia
FI FIN Finland|Republic of Finland
FJ FJI Fiji|Republic of Fiji
FK FLK Falkland Islands (Malvinas)|Falkland Islands|Malvinas
FM FSM Micronesia, Federated States of|Federated States of Micronesia|Micronesia
FO FRO Faroe Islands
FR FRA France|French Republic
GA GAB Gabon|Gabonese Republic
GB GBR United Kingdom|United Kingdom of Great Britain and Northern Ireland|UK|U.K.
       |Great Britain|Britain|England|Scotland|Wales|Northern Ireland
GD GRD Grenada
GE GEO Georgia
GF GUF French Guiana
GG GGY Guernsey
GH GHA Ghana|Republic of Ghana
GI GIB Gibraltar
GL GRL Greenland
GM GMB Gambia|Republic of the Gambia|The Gambia
GN GIN Guinea|Republic of Guinea
GP GLP Guadeloupe
GQ GNQ Equatorial Guinea|Republic of Equatorial Guinea
GR GRC Greece|Hellenic Republic
GS SGS South Georgia and the South Sandwich Islands|South Georgia
GT GTM Guatemala|Republic of Guatemala
GU GUM Guam
GW GNB Guinea-Bissau|Republic of Guinea-Bissau
GY GUY Guyana|Republic of Guyana
HK HKG Hong Kong|Hong Kong Special Administrative Region of China|Hong Kong SAR
       |Hong Kong, China|China, Hong Kong Special Administrative Region
HM HMD Heard Island and McDonald Islands|Heard Island
HN HND Honduras|Republic of Honduras
HR HRV Croatia|Republic of Croatia
HT HTI Haiti|Republic of Haiti
HU HUN Hungary
ID IDN Indonesia|Republic of Indonesia
IE IRL Ireland
IL ISR Israel|State of Israel
IM IMN Isle of Man
IN IND India|Republic of India
IO IOT British Indian Ocean Territory
IQ IRQ Iraq|Republic of Iraq
IR IRN Iran, Islamic Republic of|Islamic Republic of Iran|Iran|Persia
IS ISL Iceland|Republic of Iceland
IT ITA Italy|Italian Republic
JE JEY Jersey
JM JAM Jamaica
JO JOR Jordan|Hashemite Kingdom of Jordan
JP JPN Japan
KE KEN Kenya|Republic of Kenya
KG KGZ Kyrgyzstan|Kyrgyz Republic
KH KHM Cambodia|Kingdom of Cambodia
KI KIR Kiribati|Republic of Kiribati
KM COM Comoros|Union of the Comoros
KN KNA Saint Kitts and Nevis|Saint Kitts
KP PRK Korea, Democratic People's Republic of|Democratic People's Republic of Korea|North Korea
       |Korea, North|DPRK
KR KOR Korea, Republic of|South Korea|Korea, South|Republic of Korea
KW KWT Kuwait|State of Kuwait
KY CYM Cayman Islands
KZ KAZ Kazakhstan|Republic of Kazakhstan
LA LAO Lao People's Democratic Republic|Laos|Lao PDR
LB LBN Lebanon|Lebanese Republic
LC LCA Saint Lucia
LI LIE Liechtenstein|Principality of Liechtenstein
LK LKA Sri Lanka|Democratic Socialist Republic of Sri Lanka
LR LBR Liberia|Republic of Liberia
LS LSO Lesotho|Kingdom of Lesotho
LT LTU Lithuania|Republic of Lithuania
LU LUX Luxembourg|Grand Duchy of Luxembourg
LV LVA Latvia|Republic of Latvia
LY LBY Libya
MA MAR Morocco|Kingdom of Morocco
MC MCO Monaco|Principality of Monaco
MD MDA Moldova, Republic of|Republic of Moldova|Moldova
ME MNE Montenegro
MF MAF Saint Martin (French part)|Saint Martin
MG MDG Madagascar|Republic of Madagascar
MH MHL Marshall Islands|Republic of the Marshall Islands
MK MKD North Macedonia|Republic of North Macedonia|Macedonia
       |The Former Yugoslav Republic of Macedonia|FYROM
ML MLI Mali|Republic of Mali|Northern Mali
MM MMR Myanmar|Republic of Myanmar|Burma
MN MNG Mongolia
MO MAC Macao|Macao Special Administrative Region of China|Macau|Macao SAR
       |China, Macao Special Administrative Region
MP MNP Northern Mariana Islands|Commonwealth of the Northern Mariana Islands
MQ MTQ Martinique
MR MRT Mauritania|Islamic Republic of Mauritania
MS MSR Montserrat
MT MLT Malta|Republic of Malta
MU MUS Mauritius|Republic of Mauritius
MV MDV Maldives|Republic of Maldives
MW MWI Malawi|Republic of Malawi
MX MEX Mexico|United Mexican States
MY MYS Malaysia
MZ MOZ Mozambique|Republic of Mozambique
NA NAM Namibia|Republic of Namibia
NC NCL New Caledonia
NE NER Niger|Republic of the Niger
NF NFK Norfolk Island
NG NGA Nigeria|Federal Republic of Nigeria
NI NIC Nicaragua|Republic of Nicaragua
NL NLD Netherlands|Kingdom of the Netherlands|Holland|The Netherlands
NO NOR Norway|Kingdom of Norway
NP NPL Nepal|Federal Democratic Republic of Nepal
NR NRU Nauru|Republic of Nauru
NU NIU Niue
NZ NZL New Zealand
OM OMN Oman|Sultanate of Oman
PA PAN Panama|Republic of Panama
PE PER Peru|Republic of Peru
PF PYF French Polynesia
PG PNG Papua New Guinea|Independent State of Papua New Guinea
PH PHL Philippines|Republic of the Philippines
PK PAK Pakistan|Islamic Republic of Pakistan
PL POL Poland|Republic of Poland
PM SPM Saint Pierre and Miquelon|Saint Pierre
PN PCN Pitcairn|Pitcairn Islands
PR PRI Puerto Rico
PS PSE Palestine, State of|the State of Palestine|Palestine|Palestinian|Palestinian Territories
       |Palestinian Territory|Occupied Palestinian Territory|West Bank|Gaza|Gaza Strip
       |West Bank and Gaza|North Gaza|Northern Gaza
PT PRT Portugal|Portuguese Republic
PW PLW Palau|Republic of Palau
PY PRY Paraguay|Republic of Paraguay
QA QAT Qatar|State of Qatar
RE REU Reunion
RO ROU Romania
RS SRB Serbia|Republic of Serbia
RU RUS Russian Federation|Russia
RW RWA Rwanda|Rwandese Republic
SA SAU Saudi Arabia|Kingdom of Saudi Arabia|KSA
SB SLB Solomon Islands
SC SYC Seychelles|Republic of Seychelles
SD SDN Sudan|Republic of the Sudan
SE SWE Sweden|Kingdom of Sweden
SG SGP Singapore|Republic of Singapore
SH SHN Saint Helena, Ascension and Tristan da Cunha|Saint Helena
SI SVN Slovenia|Republic of Slovenia
SJ SJM Svalbard and Jan Mayen|Svalbard
SK SVK Slovakia|Slovak Republic
SL SLE Sierra Leone|Republic of Sierra Leone
SM SMR San Marino|Republic of San Marino
SN SEN Senegal|Republic of Senegal
SO SOM Somalia|Federal Republic of Somalia
SR SUR Suriname|Republic of Suriname
SS SSD South Sudan|Republic of South Sudan
ST STP Sao Tome and Principe|Democratic Republic of Sao Tome and Principe|Sao Tome
SV SLV El Salvador|Republic of El Salvador
SX SXM Sint Maarten (Dutch part)|Sint Maarten
SY SYR Syrian Arab Republic|Syria
SZ SWZ Eswatini|Kingdom of Eswatini|Swaziland
TC TCA Turks and Caicos Islands|Turks Islands|Caicos Islands
TD TCD Chad|Republic of Chad
TF ATF French Southern Territories
TG TGO Togo|Togolese Republic
TH THA Thailand|Kingdom of Thailand
TJ TJK Tajikistan|Republic of Tajikistan
TK TKL Tokelau
TL TLS Timor-Leste|Democratic Republic of Timor-Leste|East Timor
TM TKM Turkmenistan
TN TUN Tunisia|Republic of Tunisia
TO TON Tonga|Kingdom of Tonga
TR TUR Turkiye|Republic of Turkiye|Turkey
TT TTO Trinidad and Tobago|Republic of Trinidad and Tobago|Trinidad|Tobago
TV TUV Tuvalu
TW TWN Taiwan, Province of China|Taiwan|Chinese Taipei
TZ TZA Tanzania, United Republic of|United Republic of Tanzania|Tanzania
UA UKR Ukraine|Crimea
UG UGA Uganda|Republic of Uganda
UM UMI United States Minor Outlying Islands|US Minor Outlying Islands
US USA United States|United States of America|USA|U.S.|U.S.A.|America
UY URY Uruguay|Eastern Republic of Uruguay
UZ UZB Uzbekistan|Republic of Uzbekistan
VA VAT Holy See (Vatican City State)|Vatican|Vatican City|Holy See
VC VCT Saint Vincent and the Grenadines|Saint Vincent
VE VEN Venezuela, Bolivarian Republic of|Bolivarian Republic of Venezuela|Venezuela
VG VGB Virgin Islands, British|British Virgin Islands
VI VIR Virgin Islands, U.S.|Virgin Islands of the United States|US Virgin Islands
VN VNM Viet Nam|Socialist Republic of Viet Nam|Vietnam
VU VUT Vanuatu|Republic of Vanuatu
WF WLF Wallis and Futuna|Wallis
WS WSM Samoa|Independent State of Samoa
YE YEM Yemen|Republic of Yemen
YT MYT Mayotte
ZA ZAF South Africa|Republic of South Africa
ZM ZMB Zambia|Republic of Zambia
ZW ZWE Zimbabwe|Republic of Zimbabwe

XK XKX Kosovo|Republic of Kosovo
"""

# Latin letters with diacritics -> ASCII (both cases: MicroPython's lower() is ASCII-only),
# and the typographic quotes and dashes -> a space.
_FOLD_PAIRS = (
    "àa áa âa ãa äa åa æae çc èe ée êe ëe ìi íi îi ïi ðd ñn òo óo ôo õo öo øo ùu úu ûu üu ýy "
    "ÿy þth ßss āa ăa ąa ćc čc ďd đd ēe ėe ęe ěe ğg īi ıi łl ńn ňn ōo őo œoe řr śs şs šs ţt "
    "ťt ūu ůu űu źz żz žz ÀA ÁA ÂA ÃA ÄA ÅA ÆAE ÇC ÈE ÉE ÊE ËE ÌI ÍI ÎI ÏI ÐD ÑN ÒO ÓO ÔO ÕO "
    "ÖO ØO ÙU ÚU ÛU ÜU ÝY ÞTH ĀA ĂA ĄA ĆC ČC ĎD ĐD ĒE ĖE ĘE ĚE ĞG ĪI İI ŁL ŃN ŇN ŌO ŐO ŒOE ŘR "
    "ŚS ŞS ŠS ŢT ŤT ŪU ŮU ŰU ŹZ ŻZ ŽZ").split()
_FOLD = {}
for _p in _FOLD_PAIRS:
    _FOLD[_p[0]] = _p[1:]
for _c in "\u2018\u2019\u201c\u201d\u2013\u2014\u00a0\u2002\u2003\u2009\u202f\u3000":
    _FOLD[_c] = " "
del _p, _c, _FOLD_PAIRS

_DELETE = "."                        # "U.S.A." is "USA", "St." is "St"
_SPACE = ",()[]'\"-/:;&\t\n\r"       # word separators
_DROP = {"the": 1, "and": 1, "region": 1, "possibly": 1}
_WORD = {"st": "saint", "ste": "sainte", "is": "islands", "isl": "islands", "rep": "republic",
         "dem": "democratic", "fed": "federation"}

_CACHE_MAX = 2048    # distinct raw strings remembered (lists repeat a few hundred names)


def _key(s):
    """The lookup key of a name: folded, lower case, words sorted."""
    if len(s.encode()) != len(s):
        s = "".join([_FOLD.get(ch, ch) for ch in s])
    s = s.lower()
    if "." in s:
        s = s.replace(".", "")
    for ch in _SPACE:
        if ch in s:
            s = s.replace(ch, " ")
    words = [_WORD.get(w, w) for w in s.split(" ") if w and w not in _DROP]
    words.sort()
    return " ".join(words)


_BY_KEY = {}      # name key -> alpha-2
_ALPHA2 = {}      # alpha-2 -> ISO short name
_ALPHA3 = {}      # alpha-3 -> alpha-2


def _build(table):
    rows = []
    for line in table.split("\n"):
        if not line:
            continue
        if line[0] == " ":
            rows[-1][2] += line.strip()
        else:
            rows.append([line[:2], line[3:6], line[7:]])
    for a2, a3, names in rows:
        names = names.split("|")
        _ALPHA2[a2] = names[0]
        _ALPHA3[a3] = a2
        for n in names:
            k = _key(n)
            if _BY_KEY.get(k, a2) != a2:
                raise ValueError("countries: %r is both %s and %s" % (n, _BY_KEY[k], a2))
            _BY_KEY[k] = a2


_build(_TABLE)
del _TABLE

# Every ISO 3166-1 alpha-2 code (XK, which is not ISO, is left out), sorted.
CODES = tuple(sorted([c for c in _ALPHA2 if c != "XK"]))

_cache = {}


def code(s):
    """ISO 3166-1 alpha-2 code of a country name or code (any case), or "" when unknown."""
    if type(s) is not str:
        return ""
    r = _cache.get(s)
    if r is not None:
        return r
    t = s.strip(" \t\r\n")
    up = t.upper()
    if len(t) == 2 and up in _ALPHA2:
        r = up
    elif len(t) == 3 and up in _ALPHA3:
        r = _ALPHA3[up]
    else:
        r = _BY_KEY.get(_key(t), "")
    if len(_cache) < _CACHE_MAX:
        _cache[s] = r
    return r


def codes(s, sep=";"):
    """Codes of a list of names or codes separated by `sep` ("DZ; SY"), unknown ones left out,
    each once, in order."""
    out = []
    for part in s.split(sep):
        c = code(part)
        if c and c not in out:
            out.append(c)
    return out


def name(alpha2):
    """The ISO short name of an alpha-2 code ("IR" -> "Iran, Islamic Republic of"), or ""."""
    return _ALPHA2.get(alpha2, "") if type(alpha2) is str else ""
