"""Function-word lists per supported language, used by the pilot-style text cleaning.

Short, hand-made lists of articles, pronouns, prepositions and conjunctions: enough to strip
filler without touching occupation words.
"""

from __future__ import annotations

_RAW = {
    "en": """a about above after again against all am an and any are as at be because been before
        being below between both but by can could did do does doing down during each few for from
        further had has have having he her here hers herself him himself his how i if in into is it
        its itself just me more most my myself no nor not now of off on once only or other our ours
        ourselves out over own same she should so some such than that the their theirs them
        themselves then there these they this those through to too under until up very was we were
        what when where which while who whom why will with would you your yours yourself yourselves
        our us also etc per via within without""",
    "es": """a al algo algunas algunos ante antes como con contra cual cuando de del desde donde durante
        e el ella ellas ellos en entre era es esa esas ese eso esos esta estas este esto estos fue
        ha hay la las le les lo los mas me mi mis muy ni no nos nuestra nuestro o os otra otro para
        pero poco por porque que quien se ser si sin sobre su sus también te tiene tu tus un una
        unas uno unos y ya yo usted ustedes según tras""",
    "pt": """a ao aos as até com como da das de dela dele deles do dos e ela elas ele eles em entre era
        essa esse esta este eu foi há isso isto já la lhe mais mas me mesmo meu minha muito na nas
        nem no nos nossa nosso num numa o os ou para pela pelas pelo pelos por qual quando que quem
        se sem ser seu sua suas seus só também te tem um uma umas uns você vocês à às pra""",
    "it": """a ad agli ai al alla alle allo anche che chi ci come con cui da dal dalla dalle dei del
        della delle dello di dove e ed era gli ha hanno i il in io la le lei li lo loro lui ma mi
        ne negli nei nel nella nelle noi non o per perché più quale quando questa queste questi
        questo se sei si sia siamo sono su sua sue sul sulla suo suoi tra tu un una uno vi voi
        dell dall nell sull all coll dagl degl negl sugl quell""",
    "ms": """ada adalah akan aku anda apa atau bagi bahawa bahwa banyak belum boleh dalam dan dari
        dengan di dia ia ialah ini itu juga kami kamu kepada ke kita lagi lain mana mereka oleh
        pada para saya secara sebagai sedang sudah supaya tanpa telah tentang tersebut untuk yang serta dapat
        tidak bukan sahaja hanya seperti antara setiap semua sebarang jika kerana agar iaitu pun sangat""",
    "id": """ada adalah akan aku anda apa atau bagi bahwa banyak belum bisa dalam dan dari dengan di
        dia ini itu juga kami kamu kepada ke kita lagi lain mana mereka oleh pada para saya secara
        sebagai sedang sudah supaya tanpa telah tentang tersebut untuk yang serta maupun dapat tidak bukan
        hanya seperti antara setiap semua jika karena agar harus yaitu pun sangat""",
    # Polish: not a pipeline language by default, but its ads are coded (isco-eval, a partner's hint) and glossed;
    # "ds" is "do spraw" (in charge of: "specjalista ds. sprzedaży")
    "pl": """aby ale albo bez być czy dla do gdy gdzie ich jak jako jej jest już lub na nad nie niż od oraz po
        przez przy się sie są tak tego tej to tym we więc wiec za ze że ds""",
}

STOP_WORDS: dict[str, frozenset[str]] = {lang: frozenset(words.split()) for lang, words in _RAW.items()}
# every language's: titles and descriptions mix languages, and a short text's language is often detected wrong
ANY_LANGUAGE_STOP_WORDS: frozenset[str] = frozenset().union(*STOP_WORDS.values())


def stop_words(language: str | None) -> frozenset[str]:
    """Stop words for a language code; English when the language is unknown."""
    return STOP_WORDS.get(language or "en", STOP_WORDS["en"])
