"""Word and phrase lists the synthetic generator assembles names and sentences from.

Every list is made of plain ASCII words so that character offsets equal byte offsets and
text is NFC by construction. Lists that build names are chosen so that names are unique
by construction (mixed-radix combinations of disjoint word sets) and so that aliases can
never equal a name (aliases carry a hyphen or a leading word that no name has).
"""

from __future__ import annotations

# Countries shipped when dataset/countries.csv does not exist:
# (alpha-3, name, min_lat, max_lat, min_lon, max_lon).
COUNTRIES: tuple[tuple[str, str, float, float, float, float], ...] = (
    ("SYR", "Syria", 32.31, 37.32, 35.73, 42.38),
    ("IRQ", "Iraq", 29.06, 37.38, 38.79, 48.57),
    ("TUR", "Turkey", 35.82, 42.11, 25.66, 44.82),
    ("LBN", "Lebanon", 33.05, 34.69, 35.10, 36.62),
    ("JOR", "Jordan", 29.19, 33.37, 34.96, 39.30),
    ("YEM", "Yemen", 12.11, 19.00, 42.55, 53.11),
    ("UKR", "Ukraine", 44.39, 52.38, 22.14, 40.23),
    ("RUS", "Russia", 41.19, 81.86, 19.64, 180.0),
    ("USA", "United States", 24.52, 49.38, -124.77, -66.95),
)
# Further reference countries, added when absent from the shipped table: no synthetic
# place lies in them, so reference-table defects can target them without side effects.
EXTRA_COUNTRIES: tuple[tuple[str, str, float, float, float, float], ...] = (
    ("EGY", "Egypt", 22.0, 31.67, 24.7, 36.9),
    ("SAU", "Saudi Arabia", 16.35, 32.15, 34.5, 55.67),
    ("IRN", "Iran", 25.06, 39.78, 44.03, 63.33),
    ("AFG", "Afghanistan", 29.38, 38.49, 60.5, 74.89),
    ("LBY", "Libya", 19.5, 33.17, 9.39, 25.15),
    ("SDN", "Sudan", 8.68, 22.23, 21.81, 38.61),
    ("SOM", "Somalia", -1.66, 11.99, 40.99, 51.41),
    ("MLI", "Mali", 10.16, 25.0, -12.24, 4.27),
    ("NGA", "Nigeria", 4.27, 13.89, 2.67, 14.68),
    ("KWT", "Kuwait", 28.52, 30.1, 46.55, 48.43),
)

# Place names: "<prefix> <root>[ <suffix>]"; ALT_PREFIXES[i] is another spelling of
# PLACE_PREFIXES[i] (never itself a prefix), used for aliases.
PLACE_PREFIXES = [
    "Kafr", "Tell", "Deir", "Ain", "Jabal", "Wadi", "Ras", "Bab", "Khan", "Qasr",
    "Beit", "Maarat", "Jisr", "Souq", "Hamam", "Marj", "Zawiyat", "Tallet", "Mazraat", "Arab",
]
ALT_PREFIXES = [
    "Kfar", "Tal", "Dayr", "Ayn", "Jebel", "Ouadi", "Raas", "Baab", "Qan", "Kasr",
    "Bayt", "Maarrat", "Jisir", "Suq", "Hammam", "Merj", "Zawiya", "Talat", "Mazraa", "Urab",
]
PLACE_ROOTS = [
    "Nubl", "Abyad", "Hamra", "Zor", "Shams", "Barada", "Anz", "Salam", "Sheikhoun", "Nasr",
    "Lahia", "Numan", "Shughur", "Waer", "Karim", "Sultan", "Jamil", "Rahma", "Jadida", "Safra",
    "Tahta", "Fawqa", "Qibli", "Hawa", "Zahra", "Nour", "Rumman", "Tin", "Zaytun", "Ward",
    "Bakr", "Hassan", "Omar", "Ali", "Yusuf", "Sabah", "Midan", "Qadam", "Hajar", "Aswad",
    "Kabir", "Akhdar", "Ahmar", "Azraq", "Rif", "Sahl", "Nahr", "Jisrin", "Tayba", "Saqba",
]
PLACE_SUFFIXES = ["", "Sharqi", "Gharbi", "Shamali", "Janoubi", "Jadid", "Qadim", "Tahtani", "Fawqani"]

# Organisation names: "<adjective> <noun> <type>", the type word depending on the kind.
ORG_ADJECTIVES = [
    "Northern", "Southern", "Eastern", "Western", "Central", "Free", "United", "National",
    "Popular", "Coastal", "Highland", "Desert", "River", "Mountain", "Valley", "Border",
    "Independent", "Democratic", "Federal", "Regional",
]
ORG_NOUNS = [
    "Hawks", "Lions", "Shield", "Dawn", "Unity", "Freedom", "Victory", "Renewal", "Justice",
    "Liberation", "Falcons", "Crescent", "Star", "Harvest", "Horizon", "Covenant", "Guardians",
    "Pioneers", "Cedar", "Olive",
]
KIND_TYPES: dict[str, list[str]] = {
    "media": ["News", "Times", "Herald", "Telegraph", "Agency", "Radio", "Daily", "Post"],
    "government": ["Ministry", "Council", "Administration", "Authority"],
    "military": ["Brigade", "Division", "Army", "Regiment"],
    "armed_group": ["Front", "Movement", "Battalions", "Legion"],
    "ngo": ["Observatory", "Relief", "Monitor", "Foundation"],
    "intergovernmental": ["Commission", "Mission", "Secretariat", "Taskforce"],
}
FIRST_NAMES = [
    "Omar", "Layla", "Samir", "Rania", "Yusuf", "Hana", "Karim", "Nadia", "Tariq", "Salma",
    "Ivan", "Olena", "Sergei", "Maria", "John", "Sarah", "Ahmed", "Fatima", "Khalid", "Mona",
    "Walid", "Dina", "Bashir", "Leila", "Faisal", "Noor", "Hassan", "Amira", "Mustafa", "Zainab",
    "Pavel", "Irina", "Daniel", "Emma", "Ali", "Huda", "Jamal", "Reem", "Nabil", "Sana",
]
LAST_NAMES = [
    "Haddad", "Khoury", "Nasser", "Saleh", "Mansour", "Aziz", "Hamdan", "Darwish", "Rahman",
    "Sabbagh", "Petrenko", "Volkov", "Smith", "Jones", "Ibrahim", "Qasim", "Farouk", "Bakri",
    "Halabi", "Shami", "Kovalenko", "Ivanova", "Miller", "Brown", "Othman", "Zaki", "Yassin",
    "Barakat", "Jaber", "Awad", "Hariri", "Tamimi", "Masri", "Homsi", "Idlibi", "Karimov",
    "Wilson", "Taylor", "Morozov", "Shevchenko", "Najjar", "Sayegh", "Atallah", "Daher",
    "Ghanem", "Hijazi", "Issa", "Khalil", "Lahham", "Murad", "Nassar", "Qureshi", "Rizk",
    "Sarkis", "Tannous", "Wehbe", "Yazbek", "Zein", "Abboud", "Bitar",
]
PERSON_TITLES = ["General", "Colonel", "Minister", "Spokesman", "Commander", "Dr", "Governor", "Ambassador"]
PERSON_ROLES = [
    "spokesman", "defence minister", "field commander", "foreign minister", "governor",
    "press officer", "envoy", "director",
]

# Sentences.
EVENTS = [
    "an airstrike", "overnight shelling", "a car bomb", "clashes", "a rocket attack",
    "a drone strike", "artillery fire", "a mortar attack", "heavy fighting", "a barrel bomb attack",
]
# Every quote ends with one of these; no item is a suffix of another, so two quotes of one
# document that end with different items differ (the generator picks them distinct per document).
TAILS = [
    "on Monday", "on Tuesday", "on Wednesday", "on Thursday", "on Friday", "on Saturday",
    "on Sunday", "overnight", "this morning", "last night", "earlier this week", "in recent days",
]
GROUP_WORDS = {
    "civilians": "civilians", "soldiers": "soldiers", "fighters": "fighters",
    "people": "people", "unspecified": "persons",
}
VAGUE_AMOUNTS = ["dozens", "scores", "hundreds", "an unknown number"]
AID_UNITS = ["food parcels", "aid trucks", "medical kits", "tonnes of flour"]
SAY_VERBS = ["said", "stated", "told reporters", "announced", "claimed", "reported"]
UNATTRIBUTED_LEADS = [
    "Local sources reported that", "It was reported that", "According to residents,",
    "Reports circulating online said", "Witnesses described how",
]
RESPONSIBILITY = [
    "was responsible for", "carried out", "ordered", "had planned", "did not take part in",
]
POSITIONS = [
    "the truce must hold", "talks should resume without preconditions",
    "the corridor will stay open", "the ceasefire terms were not respected",
    "the agreement covers all parties", "monitors must be given access",
]
FILLERS = [
    "The claims could not be independently verified.",
    "Access to the area remains restricted for journalists.",
    "The truce was brokered by international mediators earlier in the month.",
    "Humanitarian agencies have repeatedly called for safe corridors.",
    "Communications in the region were intermittent.",
    "The figures were disputed by other parties to the conflict.",
    "Aid convoys had been waiting at the crossing for several days.",
    "Diplomats met again to discuss the monitoring mechanism.",
    "Residents said the situation remained tense.",
    "Earlier reports had given a different account of events.",
    "Officials did not respond to requests for comment.",
    "Satellite images reviewed by analysts showed damaged buildings.",
]
TITLE_WORDS = [
    "Casualties reported after", "Conflicting accounts of", "Monitors record",
    "Officials trade blame over", "Aid reaches area after", "Ceasefire strained by",
    "Talks continue despite", "Death toll disputed after",
]
INCIDENT_TITLES = {
    "airstrike": "Airstrike on", "shelling": "Shelling of", "armed_clash": "Clashes in",
    "ceasefire": "Ceasefire in", "ceasefire_violation": "Ceasefire violations in",
    "aid_delivery": "Aid delivery to", "diplomatic": "Talks on", "other": "Events in",
}
