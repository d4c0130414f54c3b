"""The Rasa engine as the API sees it: the only place that knows Rasa's REST contract.

"The engine" always means the Rasa dialogue engine (its server, in its own Python 3.10
environment); SQLAlchemy's engine is called the database everywhere in our code.

Everything about how the API and the engine talk lives in this folder, defined once:

- ``client``: the HTTP client (``EngineClient``), the REST channel's path (``WEBHOOK_PATH``), the
  status probe (``STATUS_PATH``) and the request body. The engine's failures are classes of ``api.exceptions``, beside every
  other failure the API reports.
- ``replies``: the intents the API sends (``/learner_reply{"said": ...}``, ``/start_scenario{...}``,
  ``/end_session{...}``) and the custom messages the actions send back, sorted by type.
- ``pool``: several Rasa servers behind one ``DialogueEngine`` (``EnginePool``), for the scaled
  topology: each turn goes to the least busy server that answers.
- ``memory``: forgetting the engine's copy of ended conversations (its tracker store).
- ``fake``: an in-memory engine with the same interface (``DialogueEngine``) for tests; not
  imported here, so the service never loads it.

Anything else that reaches Rasa (the supervisor's readiness poll and warm-up) uses these names
rather than spelling paths or message formats itself.
"""

from api.engine.client import (
    STATUS_PATH,
    WEBHOOK_PATH,
    DialogueEngine,
    EngineClient,
    status_url,
    webhook_body,
    webhook_url,
)
from api.engine.memory import forget_conversations
from api.engine.pool import EnginePool
from api.engine.replies import (
    END_SESSION,
    LEARNER_REPLY,
    START_SCENARIO,
    EngineReply,
    end_session_message,
    intent_message,
    learner_message,
    read_intent_message,
    start_scenario_message,
)

__all__ = [
    "END_SESSION",
    "LEARNER_REPLY",
    "START_SCENARIO",
    "STATUS_PATH",
    "WEBHOOK_PATH",
    "DialogueEngine",
    "EngineClient",
    "EnginePool",
    "EngineReply",
    "end_session_message",
    "forget_conversations",
    "intent_message",
    "learner_message",
    "read_intent_message",
    "start_scenario_message",
    "status_url",
    "webhook_body",
    "webhook_url",
]
