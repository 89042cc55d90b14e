"""/v1/models: the one model, the configured speech engine. ElevenLabs' model ids are accepted as its aliases, so
clients that name one (`eleven_multilingual_v2`, `eleven_flash_v2_5`, …) work unchanged."""

from __future__ import annotations

from fastapi import APIRouter

from resonance.api.v1.auth import CurrentCaller
from resonance.api.v1.errors import COMMON_RESPONSES, ApiProblem, route_class
from resonance.api.v1.schemas import MODEL_ID, Language, Model
from resonance.core import text_input
from resonance.speech.registry import get_engine

router = APIRouter(prefix="/models", tags=["models"], route_class=route_class("model_not_found"),
                   responses=COMMON_RESPONSES)

ALIAS_PREFIX = "eleven_"


def check_model(model_id: str | None) -> None:
    """Refuse a model id that is neither ours nor one of ElevenLabs' (422 `model_not_found`)."""
    if model_id is None:
        return
    if text_input.is_line(model_id) and (model_id == MODEL_ID or model_id.startswith(ALIAS_PREFIX)):
        return
    raise ApiProblem(422, "model_not_found", f"Unknown model_id {model_id!r}: use {MODEL_ID!r} (ElevenLabs model "
                                             f"ids such as 'eleven_multilingual_v2' are accepted as its aliases)")


@router.get("", response_model=list[Model], summary="List models")
def list_models(caller: CurrentCaller) -> list[Model]:
    label = get_engine().capabilities.label
    return [Model(
        model_id=MODEL_ID, name=f"Resonance ({label})",
        description="Resonance's speech engine. Every ElevenLabs model id (eleven_…) is accepted as an alias of it.",
        languages=[Language(language_id="en", name="English")],
    )]
