"""Job-title normalization and pilot-style text cleaning."""

from __future__ import annotations

import pytest

from isco_assets.lib.prepare.stopwords import STOP_WORDS, stop_words
from isco_assets.lib.prepare.text import clean_text, label_text, normalize_title, strip_html


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        # seniority and level words
        ("Senior Accountant", "accountant"),
        ("Sr. Accountant", "accountant"),
        ("Junior Data Analyst", "data analyst"),
        ("Entry-Level Sales Associate", "sales associate"),
        ("Urgently Hiring: Warehouse Associate", "warehouse associate"),
        ("Desarrollador Semi Senior", "desarrollador"),
        ("Analista Pleno", "analista"),
        # gender markers
        ("Senior Java Developer (m/w/d) - Berlin", "java developer"),
        ("Nurse (m/f)", "nurse"),
        ("Electrician (f/m/x)", "electrician"),
        ("Cook (all genders)", "cook"),
        ("Sales Rep m/f/d", "sales rep"),
        ("Programador/a Jr. | Remoto", "programador"),
        ("Enfermero/a", "enfermero"),
        ("Diretor(a) Comercial", "diretor comercial"),
        ("Cozinheiro(a)", "cozinheiro"),
        ("Operatore/trice di magazzino", "operatore di magazzino"),
        # both gendered forms written out: the first is kept; unrelated pairs stay
        ("Camarero/Camarera", "camarero"),
        ("Enfermero / Enfermera", "enfermero"),
        ("Operatore/Operatrice di magazzino", "operatore di magazzino"),
        ("Vendedor/Vendedora Externo/a", "vendedor externo"),
        ("Compras/Comercio", "compras comercio"),
        ("Import/Export Clerk", "import export clerk"),
        # Malay and Indonesian: gender, seniority and noise
        ("Admin (L/P)", "admin"),
        ("Kerani Akaun L/P", "kerani akaun"),
        ("Sales Pria/Wanita", "sales"),
        ("Tukang Masak Kanan", "tukang masak"),
        ("Pemandu Lori Sepenuh Masa", "pemandu lori"),
        ("Jurutera Pelatih (Latihan Industri)", "jurutera"),
        ("Jawatan Kosong: Kerani Diperlukan Segera", "kerani"),
        ("Lowongan Kerja Kasir Paruh Waktu", "kasir"),
        ("Dibutuhkan Staff Gudang", "staff gudang"),
        ("Fresh Graduate Engineer", "engineer"),
        # locations and trailing segments after separators
        ("Software Engineer - Berlin", "software engineer"),
        ("Software Engineer | London", "software engineer"),
        ("Software Engineer, London, UK", "software engineer"),
        ("Warehouse Associate - Chicago, IL", "warehouse associate"),
        ("Truck Driver @ Acme", "truck driver"),
        ("Nurse (Berlin)", "nurse"),
        ("Project Manager - Remote", "project manager"),
        # requisition codes and digits
        ("Sales Manager REQ-12345", "sales manager"),
        ("Data Scientist #4521", "data scientist"),
        ("2024 Graduate Accountant", "accountant"),
        # case, html, unicode width
        ("SOFTWARE ENGINEER", "software engineer"),
        ("<b>Senior</b> Nurse", "nurse"),
        ("Ｊａｖａ Developer", "java developer"),
        # what follows a separator is location, employer or perk, even after a one-word head
        ("Engineer - Mechanical", "engineer"),
    ],
)
def test_normalize_title(title: str, expected: str) -> None:
    assert normalize_title(title) == expected


@pytest.mark.parametrize("title", [None, "", "   ", "(m/w/d)", "Senior", "(m/w/d) 2024 #12", "Urgent - Remote", "---"])
def test_normalize_title_noise_only_is_empty(title: str | None) -> None:
    assert normalize_title(title) == ""


def test_normalize_title_is_idempotent() -> None:
    for title in ["Senior Java Developer (m/w/d) - Berlin", "Programador/a Jr. | Remoto", "Engineer - Mechanical"]:
        once = normalize_title(title)
        assert normalize_title(once) == once


@pytest.mark.parametrize("title", ["Nurse - Berlin", "Accountant | Kuala Lumpur", "Driver, Lagos"])
def test_one_word_title_drops_location(title: str) -> None:
    assert normalize_title(title) == title.split()[0].rstrip(",").lower()


def test_strip_html() -> None:
    text = "<div><p>Hello&nbsp;<b>world</b></p><script>var x = '<p>';</script><style>p {}</style>&amp; more</div>"
    assert strip_html(text) == "Hello world & more"
    assert strip_html("no   tags\nhere") == "no tags here"


def test_clean_text_strips_html_and_lowercases() -> None:
    text = "<p>The <b>Software</b> Engineer &amp; the team!</p><script>alert(1)</script>"
    assert clean_text(text, "en") == "software engineer team"


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("We are looking for a Nurse with the skills", "en", "looking nurse skills"),
        ("El programador de la empresa y los datos", "es", "programador empresa datos"),
        ("O programador da empresa e os dados", "pt", "programador empresa dados"),
        ("Il programmatore della azienda e i dati", "it", "programmatore azienda dati"),
        ("Pembantu yang bekerja di kedai dan restoran", "ms", "pembantu bekerja kedai restoran"),
        ("Calon tidak perlu pengalaman serta boleh bekerja syif", "ms", "calon perlu pengalaman bekerja syif"),
        ("Kasir yang dapat bekerja di toko karena shift", "id", "kasir bekerja toko shift"),
    ],
)
def test_clean_text_drops_stop_words_per_language(text: str, language: str, expected: str) -> None:
    assert clean_text(text, language) == expected


def test_clean_text_uses_the_language_list() -> None:
    # "de" is a Spanish stop word but not an English one
    assert clean_text("Jefe de cocina", "es") == "jefe cocina"
    assert clean_text("Jefe de cocina", "en") == "jefe de cocina"


def test_clean_text_unknown_language_falls_back_to_english() -> None:
    assert stop_words("xx") is STOP_WORDS["en"]
    assert stop_words(None) is STOP_WORDS["en"]
    assert clean_text("The Chef", "xx") == "chef"


def test_clean_text_keeps_hyphenated_and_apostrophe_words() -> None:
    assert clean_text("Full-stack developer, O'Brien's team_lead", "en") == "full-stack developer o'brien's team lead"


@pytest.mark.parametrize("text", [None, "", "<br/>", "the and of"])
def test_clean_text_empty(text: str | None) -> None:
    assert clean_text(text, "en") == ""


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        # a comma joins a list, "at" a workplace: the whole label, where a title would keep its first segment
        ("assistant coffee, tea, cocoa and spices distribution manager",
         "assistant coffee tea cocoa and spices distribution manager"),
        ("Car, Taxi and Van Drivers", "car taxi and van drivers"),
        ("manager at paper mill", "manager at paper mill"),
        # level words stay where the label would be one bare word without them
        ("Stage manager", "stage manager"),
        ("Junior engineer", "junior engineer"),
        ("Senior Java Developer", "java developer"),
        ("Senior", ""),
        # other separators and qualifiers as for titles
        ("Diarista - na agropecuária", "diarista"),
        ("operator (blast crew)", "operator"),
    ],
)
def test_label_text(label: str, expected: str) -> None:
    assert label_text(label) == expected
