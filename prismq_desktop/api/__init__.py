"""The HTTP API (DESIGN §13): PrismQ's queue endpoints and more, over the ``Queue`` facade.

Needs the ``[api]`` extra (FastAPI, uvicorn); imported only when serving. No backend code
lives here: every route goes through ``prismq_desktop.core.Queue``.
"""

from prismq_desktop.api.app import create_app
from prismq_desktop.api.config import ApiConfig
from prismq_desktop.api.server import ApiServer
from prismq_desktop.api.tokens import Tokens, load_tokens

__all__ = ["ApiConfig", "ApiServer", "Tokens", "create_app", "load_tokens"]
