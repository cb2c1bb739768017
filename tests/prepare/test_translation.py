"""Azure Translator over real HTTP against a fake service on 127.0.0.1: limits, retries, cache, masking, cost,
and the failure policy (a closed port, a batch that keeps failing, a refused key)."""

from __future__ import annotations

import email.utils
import logging
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
from fakes.scripted_server import Received, Reply
from fakes.translator_server import (
    API_KEY,
    MAX_CHARS,
    MAX_ELEMENTS,
    FakeTranslator,
    server_error,
    throttled,
)

from isco_assets.defs.prepare.assets import clean_posts, translated_posts
from isco_assets.lib.common.retry_after import retry_after_seconds
from isco_assets.lib.prepare.translation import (
    AzureTranslatorClient,
    TranslationCache,
    TranslationError,
    batches,
    translate_posts,
)
from isco_assets.resources.environment import config_from_env
from isco_assets.resources.settings import PlatformSettings
from isco_assets.resources.translator import (
    AzureTranslatorResource,
    PassThroughTranslator,
    TranslatorResource,
    translator_resource,
)


@pytest.fixture
def fake_translator() -> Iterator[FakeTranslator]:
    with FakeTranslator() as server:
        yield server


@pytest.fixture
def closed_port_url() -> str:
    """A port nothing listens on: bound to get a free one, then closed."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class Sleeps(list):
    """Records the waits instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def client(server: FakeTranslator, tmp_path: Path | None = None, **kwargs) -> AzureTranslatorClient:
    cache = TranslationCache(tmp_path / "translations.sqlite") if tmp_path else None
    kwargs.setdefault("sleep", Sleeps())
    return AzureTranslatorClient(API_KEY, server.url, "westeurope", cache=cache, **kwargs)


def test_translates_per_source_language_and_skips_target_and_empty(fake_translator: FakeTranslator) -> None:
    texts = ["Enfermero", "Nurse", "", "Programador", "  ", "Cozinheiro"]
    languages = ["es", "en", "es", "es", "pt", "pt"]
    out, done = client(fake_translator).translate(texts, languages)
    assert out == ["Nurse", "Nurse", "", "Programmer", "  ", "Cook"]
    assert done == [True, False, False, True, False, True]
    requests = fake_translator.translate_requests
    assert sorted((r.query["from"][0], len(r.json)) for r in requests) == [("es", 2), ("pt", 1)]
    for r in requests:
        assert r.query["to"] == ["en"] and r.query["api-version"] == ["3.0"]
        assert r.header("Ocp-Apim-Subscription-Key") == API_KEY
        assert r.header("Ocp-Apim-Subscription-Region") == "westeurope"
    assert sorted(fake_translator.sent_texts()) == ["Cozinheiro", "Enfermero", "Programador"]


def test_unknown_language_lets_the_service_detect(fake_translator: FakeTranslator) -> None:
    out, done = client(fake_translator).translate(["Enfermero"], [None])
    assert out == ["Nurse"] and done == [True]
    assert "from" not in fake_translator.translate_requests[0].query


def test_batches_respect_element_and_character_limits() -> None:
    assert list(batches(["a"] * 2500)) == [list(range(1000)), list(range(1000, 2000)), list(range(2000, 2500))]
    sizes = [len(b) for b in batches(["x" * 20_000] * 5)]
    assert sizes == [2, 2, 1]
    assert list(batches(["x" * MAX_CHARS, "y"])) == [[0], [1]]
    assert list(batches([])) == []
    with pytest.raises(ValueError, match="limit"):
        list(batches(["x" * (MAX_CHARS + 1)]))


def test_many_texts_go_in_requests_within_the_limits(fake_translator: FakeTranslator) -> None:
    short = [f"enfermero {i}" for i in range(2300)]
    long = [f"{i} " + "y" * 9_000 for i in range(12)]
    stats = (c := client(fake_translator)).new_stats()
    out, done = c.translate(short + long, ["es"] * len(short + long), stats=stats)
    assert all(done) and out[7] == "nurse 7"
    requests = fake_translator.translate_requests
    assert all(len(r.json) <= MAX_ELEMENTS for r in requests)
    assert all(sum(len(i["Text"]) for i in r.json) <= MAX_CHARS for r in requests)
    # filled greedily: 1,000 + 1,000 elements, then 300 short + 5 long (< 50,000 chars), 5 long, 2 long
    assert [len(r.json) for r in requests] == [1000, 1000, 305, 5, 2]
    assert stats.requests == 5
    assert stats.texts_sent == len(fake_translator.sent_texts()) == 2312


def test_the_fake_rejects_a_request_over_the_limits(fake_translator: FakeTranslator) -> None:
    import requests

    url = f"{fake_translator.url}/translate"
    params = {"api-version": "3.0", "to": "en"}
    headers = {"Ocp-Apim-Subscription-Key": API_KEY}
    too_many = requests.post(url, params=params, headers=headers, json=[{"Text": "a"}] * (MAX_ELEMENTS + 1))
    too_long = requests.post(url, params=params, headers=headers, json=[{"Text": "a" * (MAX_CHARS + 1)}])
    assert too_many.status_code == too_long.status_code == 400
    assert too_many.json()["error"]["code"] == 400077


def test_texts_are_cut_to_the_request_limit_and_to_max_chars(fake_translator: FakeTranslator) -> None:
    c = client(fake_translator)
    c.translate(["z" * (MAX_CHARS + 500)], ["es"])
    c.translate(["Enfermero de camión y más"], ["es"], max_chars=9)
    assert [len(t) for t in fake_translator.sent_texts()] == [MAX_CHARS, 9]
    assert fake_translator.sent_texts()[1] == "Enfermero"


def test_retries_on_429_and_500_honouring_retry_after(fake_translator: FakeTranslator) -> None:
    fake_translator.script(throttled("7"), server_error())
    sleeps = Sleeps()
    c = client(fake_translator, sleep=sleeps, backoff=0.5)
    stats = c.new_stats()
    out, done = c.translate(["Enfermero"], ["es"], stats=stats)
    assert out == ["Nurse"] and done == [True]
    assert sleeps == [7.0, 1.0]  # Retry-After, then exponential backoff (0.5 * 2**1)
    assert (stats.requests, stats.retries, stats.texts_sent) == (3, 2, 1)
    assert len(fake_translator.translate_requests) == 3


def test_backoff_is_capped(fake_translator: FakeTranslator) -> None:
    fake_translator.script(throttled("3600"), server_error(), server_error())
    sleeps = Sleeps()
    client(fake_translator, sleep=sleeps, backoff=4.0, max_backoff=5.0).translate(["Enfermero"], ["es"])
    assert sleeps == [5.0, 5.0, 5.0]


def test_gives_up_after_max_retries(fake_translator: FakeTranslator, tmp_path: Path) -> None:
    fake_translator.script(*[server_error()] * 3)
    c = client(fake_translator, tmp_path, max_retries=2, on_failure="fail")
    with pytest.raises(TranslationError, match="500 after 3 attempts"):
        c.translate(["Enfermero"], ["es"])
    assert len(c.cache) == 0


def test_a_failure_keeps_what_was_already_paid_for(fake_translator, tmp_path: Path) -> None:
    c = client(fake_translator, tmp_path, max_retries=0, on_failure="fail")
    texts = [f"enfermero {i}" for i in range(1500)]  # two requests: 1,000 then 500
    fake_translator.script(Reply(200, [{"translations": [{"text": f"nurse {i}", "to": "en"}]} for i in range(1000)]),
                           server_error())
    with pytest.raises(TranslationError):
        c.translate(texts, ["es"] * 1500)
    fake_translator.requests.clear()
    stats = c.new_stats()
    c.translate(texts, ["es"] * 1500, stats=stats)
    assert (stats.cache_hits, stats.texts_sent) == (1000, 500)
    assert len(fake_translator.sent_texts()) == 500


def test_a_refused_request_is_not_retried(fake_translator: FakeTranslator) -> None:
    sleeps = Sleeps()
    bad = AzureTranslatorClient("wrong-key", fake_translator.url, sleep=sleeps, on_failure="fail")
    with pytest.raises(TranslationError, match="401 after 1 attempts: 401000"):
        bad.translate(["Enfermero"], ["es"])
    assert sleeps == [] and len(fake_translator.requests) == 1


def test_cache_second_run_sends_nothing(fake_translator: FakeTranslator, tmp_path: Path) -> None:
    texts, languages = ["Enfermero", "Programador", "Enfermero", "Cozinheiro"], ["es", "es", "es", "pt"]
    first_stats = (first := client(fake_translator, tmp_path)).new_stats()
    first_out, _ = first.translate(texts, languages, stats=first_stats)
    assert first_stats.texts_sent == 3  # the repeated title is sent once
    sent = len(fake_translator.requests)

    again = client(fake_translator, tmp_path)  # a new client on the same cache file, as in the next run
    stats = again.new_stats()
    out, done = again.translate(texts, languages, stats=stats)
    assert len(fake_translator.requests) == sent
    assert out == first_out and all(done)
    assert (stats.cache_hits, stats.texts_sent, stats.characters_sent, stats.requests, stats.cost) == (3, 0, 0, 0, 0)


def test_the_cache_keeps_source_and_target_apart(fake_translator: FakeTranslator, tmp_path: Path) -> None:
    client(fake_translator, tmp_path).translate(["programador"], ["es"])
    client(fake_translator, tmp_path).translate(["programador"], ["pt"])
    client(fake_translator, tmp_path, target="fr").translate(["programador"], ["es"])
    assert len(fake_translator.translate_requests) == 3
    assert len(TranslationCache(tmp_path / "translations.sqlite")) == 3


def test_personal_data_never_reaches_the_service(fake_translator: FakeTranslator) -> None:
    texts = ["Enfermero - escribe a ana.perez@example.com o llama al +34 612 345 678",
             "Cocinero, whatsapp 0034 699 12 34 56, https://linkedin.com/in/ana-perez"]
    out, _ = client(fake_translator).translate(texts, ["es", "es"])
    sent = "\n".join(fake_translator.sent_texts())
    for secret in ("ana.perez", "example.com", "612 345 678", "699 12 34 56", "linkedin"):
        assert secret not in sent and secret not in "\n".join(out)
    assert "[EMAIL]" in sent and "[PHONE]" in sent and "[URL]" in sent


def test_characters_are_metered_and_priced(fake_translator: FakeTranslator) -> None:
    c = client(fake_translator, price_per_million_chars=10.0)
    stats = c.new_stats()
    texts = ["Enfermero", "Programador de camión", "Nurse"]
    c.translate(texts, ["es", "es", "en"], stats=stats)
    assert stats.characters_sent == len("Enfermero") + len("Programador de camión") == 30
    assert stats.cost == pytest.approx(30 * 10.0 / 1_000_000)
    meta = stats.as_metadata()
    assert meta["characters_sent"] == 30 and meta["unchanged"] == 1 and meta["cost"] == pytest.approx(0.0003)


def test_translate_posts_title_always_description_up_to_a_length(fake_translator: FakeTranslator) -> None:
    c = client(fake_translator)
    result = translate_posts(c, ["Enfermero", "Cook"], ["Enfermero de camión y más cosas", "Cook things"],
                             ["es", "en"], description_chars=21)
    assert result.titles == ["Nurse", "Cook"]
    assert result.descriptions == ["Nurse of truck and", "Cook things"]
    assert result.title_translated == [True, False] and result.description_translated == [True, False]

    fake_translator.requests.clear()
    none = translate_posts(c, ["Cocinero"], ["Cocinero con experiencia, ana@example.com"], ["es"], 0)
    assert none.descriptions == ["Cocinero con experiencia, [EMAIL]"] and none.description_translated == [False]
    assert fake_translator.sent_texts() == ["Cocinero"]


# --- the failure policy ----------------------------------------------------------------------------------------------


def test_closed_port_pass_through_keeps_every_text_and_stops_early(closed_port_url: str, tmp_path: Path) -> None:
    sleeps = Sleeps()
    c = AzureTranslatorClient(API_KEY, closed_port_url, cache=TranslationCache(tmp_path / "t.sqlite"), sleep=sleeps)
    titles = ["Enfermero", "Cozinheiro", "Infermiere", "Jururawat", "Nurse"]
    descriptions = ["Enfermero de camión", "Cozinheiro de hotel", "Infermiere", "Jururawat", "Nurse wanted"]
    result = translate_posts(c, titles, descriptions, ["es", "pt", "it", "ms", "en"], description_chars=200)
    assert result.titles == titles and result.descriptions == descriptions
    assert not any(result.title_translated) and not any(result.description_translated)
    stats = result.stats
    assert stats.untranslated_texts == 8  # 4 titles and 4 descriptions; English stays home
    assert closed_port_url in stats.translator_error and "nothing more is sent" in stats.translator_error
    # 3 requests of 3 attempts (2 short retries each), then the breaker: the other 5 requests are never sent
    assert (stats.requests, stats.retries, stats.texts_sent) == (9, 6, 0)
    assert sleeps == [1.0, 2.0] * 3
    assert len(c.cache) == 0


def test_closed_port_fail_names_the_endpoint(closed_port_url: str) -> None:
    c = AzureTranslatorClient(API_KEY, closed_port_url, sleep=Sleeps(), on_failure="fail")
    stats = c.new_stats()
    with pytest.raises(TranslationError, match="unreachable after 3 attempts") as raised:
        c.translate(["Enfermero"], ["es"], stats=stats)
    message = str(raised.value)
    assert closed_port_url in message and "AZURE_TRANSLATOR_ENDPOINT" in message
    assert "ISCO_TRANSLATOR_ON_FAILURE=pass-through" in message
    assert stats.requests == 3


class PortugueseOutage(FakeTranslator):
    """Every request from Portuguese answers 503; the rest are served."""

    def handle(self, request: Received) -> Reply:
        if request.query.get("from") == ["pt"]:
            return Reply(503, {"error": {"code": 503000, "message": "The service is temporarily unavailable."}})
        return super().handle(request)


def test_a_batch_that_keeps_failing_is_kept_as_is_and_sent_again_next_run(tmp_path: Path) -> None:
    texts, languages = ["Enfermero", "Cozinheiro", "Programador", "Cozinheiro"], ["es", "pt", "es", "pt"]
    with PortugueseOutage() as outage:
        c = client(outage, tmp_path, max_retries=2)
        stats = c.new_stats()
        out, done = c.translate(texts, languages, stats=stats)
        assert sum(1 for r in outage.translate_requests if r.query["from"] == ["pt"]) == 3
    assert out == ["Nurse", "Cozinheiro", "Programmer", "Cozinheiro"]
    assert done == [True, False, True, False]
    assert stats.untranslated_texts == 2  # both posts carrying the failed text
    assert "503 after 3 attempts" in stats.translator_error and outage.url in stats.translator_error
    assert len(c.cache) == 2  # the failed text is not cached as its own translation

    with FakeTranslator() as back:  # the next run, the service back, the same cache
        stats = (again := client(back, tmp_path)).new_stats()
        out, done = again.translate(texts, languages, stats=stats)
        assert back.sent_texts() == ["Cozinheiro"]
    assert out == ["Nurse", "Cook", "Programmer", "Cook"] and all(done)
    assert (stats.cache_hits, stats.untranslated_texts, stats.translator_error) == (2, 0, "")


def test_a_refused_key_follows_the_policy_and_stops_sending(fake_translator: FakeTranslator) -> None:
    bad = AzureTranslatorClient("wrong-key", fake_translator.url, sleep=Sleeps())
    stats = bad.new_stats()
    out, done = bad.translate(["Enfermero", "Cozinheiro"], ["es", "pt"], stats=stats)
    assert out == ["Enfermero", "Cozinheiro"] and done == [False, False]
    assert stats.untranslated_texts == 2 and "401" in stats.translator_error
    assert len(fake_translator.requests) == 1  # a refused key is refused for every language: asked once


def test_an_unknown_failure_policy_is_refused(fake_translator: FakeTranslator) -> None:
    with pytest.raises(ValueError, match="'pass-through' or 'fail'"):
        client(fake_translator, on_failure="ignore")


def test_retry_after_parsing() -> None:
    assert retry_after_seconds({"Retry-After": "3"}) == 3.0
    assert retry_after_seconds({"retry-after-ms": "250", "Retry-After": "3"}) == 0.25
    assert retry_after_seconds({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0  # in the past
    later = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 < retry_after_seconds({"Retry-After": later}) <= 30
    assert retry_after_seconds({"Retry-After": "soon"}) is None
    assert retry_after_seconds({}) is None


# --- the resource and the asset -------------------------------------------------------------------------------------


@dg.asset(name="job_posts")
def job_posts_fixture() -> pd.DataFrame:
    return pd.DataFrame({
        "post_id": ["1", "2", "3", "4"],
        "job_title": ["Enfermero/a (m/f)", "Senior Nurse", "Pengaturcara Kanan", "Cozinheiro(a)"],
        "job_desc": ["Enfermero de camión, llama al +34 612 345 678", "Nurse wanted", "", "Cozinheiro de hotel"],
        "language": ["es", "en", "ms", "pt"],
    })


def _translated_metadata(result: dg.ExecuteInProcessResult) -> dict:
    [event] = [e for e in result.get_asset_materialization_events() if e.asset_key == dg.AssetKey("translated_posts")]
    return {k: v.value for k, v in event.materialization.metadata.items()}


def test_resource_in_a_materialization(fake_translator: FakeTranslator, tmp_path: Path) -> None:
    translator = AzureTranslatorResource(key=API_KEY, endpoint=fake_translator.url, cache_dir=str(tmp_path),
                                         description_chars=200)
    assets = [job_posts_fixture, translated_posts, clean_posts]
    resources = {"translator": translator, "settings": PlatformSettings(data_dir=str(tmp_path / "data"))}
    result = dg.materialize(assets, resources=resources)
    assert result.success
    meta = _translated_metadata(result)
    assert meta["translator"] == "azure-translator:en"
    # 3 titles (es, ms, pt: one request per source language) and 2 descriptions (es, pt); English stays home
    assert (meta["texts_sent"], meta["cache_hits"], meta["requests"], meta["retries"]) == (5, 0, 5, 0)
    assert meta["characters_sent"] == sum(len(t) for t in fake_translator.sent_texts())
    assert meta["cost"] == pytest.approx(meta["characters_sent"] * 10.0 / 1_000_000)
    assert "612 345 678" not in "".join(fake_translator.sent_texts())

    cleaned = result.output_for_node("clean_posts")
    assert cleaned["title_en"].tolist() == ["Nurse/a (m/f)", "Senior Nurse", "Programmer Kanan", "Cook(a)"]
    assert cleaned["title_norm"].tolist() == ["nurse", "nurse", "programmer", "cook"]
    assert cleaned["title_language"].tolist() == ["en", "en", "en", "en"]
    assert cleaned["desc_language"].tolist() == ["en", "en", "ms", "en"]  # an empty description is not sent
    assert cleaned["translated"].tolist() == [True, False, True, True]
    assert cleaned["desc_clean"][0] == "nurse truck llama al phone"  # English stop words on the translated text

    fake_translator.requests.clear()
    again = dg.materialize(assets, resources=resources)
    meta = _translated_metadata(again)
    assert fake_translator.requests == []
    assert (meta["cache_hits"], meta["texts_sent"], meta["characters_sent"], meta["cost"]) == (5, 0, 0, 0.0)
    assert again.output_for_node("clean_posts")["title_norm"].tolist() == ["nurse", "nurse", "programmer", "cook"]


def test_closed_port_in_a_materialization_warns_and_codes_untranslated(closed_port_url: str, tmp_path: Path) -> None:
    translator = AzureTranslatorResource(key=API_KEY, endpoint=closed_port_url, cache_dir=str(tmp_path),
                                         max_backoff_seconds=0)
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([job_posts_fixture, translated_posts, clean_posts], instance=instance,
                            resources={"translator": translator,
                                       "settings": PlatformSettings(data_dir=str(tmp_path / "data"))})
    assert result.success
    meta = _translated_metadata(result)
    assert (meta["translated"], meta["untranslated_texts"], meta["texts_sent"]) == (0, 5, 0)
    assert closed_port_url in meta["translator_error"]
    warnings = [e.user_message for e in instance.all_logs(result.run_id) if e.level == logging.WARNING]
    assert any("5 of 8 texts could not be translated" in w and closed_port_url in w for w in warnings)
    cleaned = result.output_for_node("clean_posts")
    assert cleaned["title_norm"].tolist() == ["enfermero", "nurse", "pengaturcara", "cozinheiro"]
    assert cleaned["title_language"].tolist() == ["es", "en", "ms", "pt"]


def test_pass_through_marks_nothing_translated(tmp_path: Path) -> None:
    result = dg.materialize([job_posts_fixture, translated_posts, clean_posts],
                            resources={"translator": PassThroughTranslator(),
                                       "settings": PlatformSettings(data_dir=str(tmp_path))})
    meta = _translated_metadata(result)
    assert (meta["translator"], meta["translated"], meta["characters_sent"], meta["cost"]) == ("pass-through", 0, 0, 0)
    cleaned = result.output_for_node("clean_posts")
    assert cleaned["title_norm"].tolist() == ["enfermero", "nurse", "pengaturcara", "cozinheiro"]
    assert cleaned["title_language"].tolist() == ["es", "en", "ms", "pt"]


def test_translator_from_the_settings_and_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    def translator_from_env(cache_dir: str) -> TranslatorResource:
        return translator_resource(config_from_env("").translator, cache_dir)

    for var in ("ISCO_TRANSLATOR", "AZURE_TRANSLATOR_ENDPOINT", "AZURE_TRANSLATOR_REGION",
                "ISCO_TRANSLATOR_ON_FAILURE"):
        monkeypatch.delenv(var, raising=False)
    assert isinstance(translator_from_env("/tmp/cache"), PassThroughTranslator)
    monkeypatch.setenv("ISCO_TRANSLATOR", "azure")
    monkeypatch.setenv("AZURE_TRANSLATOR_REGION", "westeurope")
    monkeypatch.setenv("ISCO_TRANSLATOR_DESCRIPTION_CHARS", "300")
    azure = translator_from_env("/tmp/cache")
    assert isinstance(azure, AzureTranslatorResource)
    assert azure.key == dg.EnvVar("AZURE_TRANSLATOR_KEY")
    assert azure.region == "westeurope"  # a setting: only the key is a secret
    assert azure.endpoint == "https://api.cognitive.microsofttranslator.com"
    assert azure.description_chars == 300 and azure.cache_dir == "/tmp/cache"
    assert azure.on_failure == "pass-through"
    monkeypatch.setenv("ISCO_TRANSLATOR_ON_FAILURE", "fail")
    assert translator_from_env("/tmp/cache").on_failure == "fail"
    monkeypatch.setenv("ISCO_TRANSLATOR_ON_FAILURE", "ignore")
    with pytest.raises(ValueError, match=r"translator\.on_failure is one of pass-through, fail, not 'ignore'"):
        translator_from_env("/tmp/cache")
    monkeypatch.delenv("ISCO_TRANSLATOR_ON_FAILURE")
    monkeypatch.setenv("ISCO_TRANSLATOR", "deepl")
    with pytest.raises(ValueError, match=r"translator\.provider is one of pass-through, azure, not 'deepl'"):
        translator_from_env("/tmp/cache")
