"""The OpenAI path against a local OpenAI-compatible server, through the real openai client."""

import pytest

from rag import Assistant, Settings
from rag.answer import REFUSAL
from rag.errors import BackendError, ConfigError


def assistant(built, stub, **options) -> Assistant:
    base = {"data_dir": built.settings.data_dir, "llm": "openai", "openai_base_url": stub.url,
            "openai_api_key": "sk-test", "openai_model": "stub-model", "llm_max_retries": 2}
    return Assistant(Settings(**{**base, **options}))


def test_streams_the_answer_and_keeps_only_citations_of_given_passages(built, stub):
    bot = assistant(built, stub)
    stream = bot.stream("What interest rate did the central bank set?")
    pieces = list(stream)
    answer = stream.answer
    assert len(pieces) > 5 and "".join(pieces).strip() == answer.text
    assert answer.text == "The central bank raised its rate to 4.5 percent [1], its third increase this year."
    assert [s.title for s in answer.sources] == ["Central bank raises interest rate to 4.5 percent"]
    assert "4.5 percent" in answer.sources[0].quote
    assert answer.backend == f"stub-model at {stub.url}"
    request = stub.requests[-1]
    assert request["stream"] is True and request["model"] == "stub-model" and request["auth"] == "Bearer sk-test"
    assert request["max_tokens"] == 800  # a model that loops stops there, not when its context is full
    assert "only the numbered passages" in request["messages"][0]["content"]


def test_the_model_is_told_the_day_the_question_is_asked_on(built, stub):
    """The passages are dated; "this week" means nothing to the model without the reference date."""
    bot = assistant(built, stub)
    bot.ask("What did the central bank do this week?", as_of="2024-03-02")
    assert "Today is Saturday, 2024-03-02." in stub.requests[-1]["messages"][-1]["content"]


def test_token_usage_is_reported_and_an_older_server_still_answers(built, stub):
    answer = assistant(built, stub).ask("What interest rate did the central bank set?")
    assert answer.usage == {"prompt_tokens": 120, "completion_tokens": 16}  # the stub counts its 16 words
    assert stub.requests[-1]["stream_options"] == {"include_usage": True}
    stub.accepts_stream_options = False
    older = assistant(built, stub)
    answer = older.ask("What interest rate did the central bank set?")
    assert "4.5 percent [1]" in answer.text and answer.usage == {}
    assert "stream_options" in stub.requests[-2] and "stream_options" not in stub.requests[-1]
    older.ask("What interest rate did the central bank set?")
    assert "stream_options" not in stub.requests[-1]  # asked once, remembered


@pytest.mark.parametrize("mode", ["cut", "die"])
def test_an_answer_cut_off_midway_says_the_server_stopped(built, stub, mode):
    stub.mode = mode  # "die": the connection drops inside a body that promised more, as a killed server does
    with pytest.raises(BackendError, match="stopped in the middle of its answer"):
        assistant(built, stub, llm_max_retries=0).ask("What interest rate did the central bank set?")


def test_a_model_refusal_cites_nothing(built, stub):
    stub.mode = "refuse"
    answer = assistant(built, stub).ask("What interest rate did the central bank set?")
    assert answer.refused and answer.text == REFUSAL and answer.sources == []


def test_nothing_relevant_is_refused_without_calling_the_model(built, stub):
    answer = assistant(built, stub).ask("How do I bake sourdough bread?")
    assert answer.refused and answer.sources == [] and stub.requests == []


def test_a_follow_up_is_condensed_by_the_model_before_retrieval(built, stub):
    bot = assistant(built, stub)
    history = [{"role": "user", "content": "How did the US vote?"},
               {"role": "assistant", "content": "It voted against the resolution [1]."}]
    answer = bot.ask("And China?", history=history)
    assert answer.query == stub.condensed
    condense, generate = stub.requests
    assert "And China?" in condense["messages"][0]["content"] and not condense.get("stream")
    assert [m["content"] for m in generate["messages"][1:3]] == [h["content"] for h in history]


@pytest.mark.parametrize("mode,message,attempts", [
    ("401", "rejected the API key (401): check OPENAI_API_KEY", 1),
    ("429", "rate-limiting requests (429) after 3 attempts", 3),
    ("500", "failed with HTTP 500 after 3 attempts", 3),
])
def test_server_errors_become_one_line_messages_after_the_clients_retries(built, stub, mode, message, attempts):
    stub.mode = mode
    with pytest.raises(BackendError, match=message.replace("(", r"\(").replace(")", r"\)")) as info:
        assistant(built, stub).ask("What interest rate did the central bank set?")
    assert "\n" not in str(info.value)
    assert len(stub.requests) == attempts


def test_a_server_that_times_out_is_reported_with_the_setting_to_raise(built, stub):
    stub.mode = "slow"
    bot = assistant(built, stub, llm_timeout=0.5, llm_max_retries=1)
    with pytest.raises(BackendError, match=r"did not answer within 0\.5 s after 2 attempts.*RAG_LLM_TIMEOUT"):
        bot.ask("What interest rate did the central bank set?")
    assert len(stub.requests) == 2


def test_auto_picks_the_server_from_the_standard_environment(built, stub, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", stub.url)
    monkeypatch.setenv("RAG_DATA_DIR", str(built.settings.data_dir))
    monkeypatch.setenv("RAG_OPENAI_MODEL", "stub-model")
    bot = Assistant()
    assert bot.settings.backend == "openai"
    assert "4.5 percent [1]" in bot.ask("What interest rate did the central bank set?").text


def test_openai_without_key_or_server_is_a_config_error(built):
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        Assistant(Settings(data_dir=built.settings.data_dir, llm="openai")).ask("Any question?")
