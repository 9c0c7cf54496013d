"""One error hierarchy for the whole service.

Every class carries the HTTP status the API answers with, so a controller
never maps errors by hand: the API error hook turns any ``MistralResumeError``
into ``{"faultstring": ..., "debuginfo": null}`` with ``http_code``.
Errors cross RPC as themselves (the module is in the transport's
``allowed_remote_exmods``), so the engine's 409 reaches the client as a 409.
"""


class MistralResumeError(Exception):
    """Base class; ``message`` is what the user reads."""

    http_code = 500
    message = "An unknown error occurred"

    def __init__(self, message=None):
        self.message = message or self.message
        super().__init__(self.message)

    def __str__(self):
        return self.message


class InputError(MistralResumeError):
    """A request the caller must fix (bad body, bad field, bad index)."""

    http_code = 400
    message = "Invalid input"


class DSLParsingError(InputError):
    """A workflow document that is not valid YAML or not valid language."""

    message = "Invalid workflow definition"


class ExpressionError(InputError):
    """An expression that cannot be parsed or evaluated."""

    message = "Invalid expression"


class WorkflowInputError(InputError):
    message = "Invalid workflow input"


class NotFound(MistralResumeError):
    http_code = 404
    message = "Object not found"


class Conflict(MistralResumeError):
    """Wrong state for the request, or a lost race."""

    http_code = 409
    message = "Conflict"


class DuplicateEntry(Conflict):
    message = "Object already exists"


class InvalidStateTransition(Conflict):
    message = "Invalid state transition"


class LostRace(Conflict):
    """A compare-and-set write found the row changed under it."""

    message = "The object was changed by a concurrent request; retry"


class Forbidden(MistralResumeError):
    http_code = 403
    message = "Forbidden"


class NotAcceptable(MistralResumeError):
    http_code = 406
    message = "Not acceptable"


class IdempotencyKeyMismatch(MistralResumeError):
    http_code = 422
    message = ("This Idempotency-Key was used with a different request body;"
               " use a new key")


class PayloadTooLarge(MistralResumeError):
    http_code = 413
    message = "Request body too large"


class ExecutorTimeout(MistralResumeError):
    """No executor answered a call in time (an ad hoc run_sync)."""

    http_code = 504
    message = "No executor answered in time"


class EngineTimeout(MistralResumeError):
    """No engine answered a call within ``[engine] rpc_timeout``."""

    http_code = 504
    message = "No engine answered in time"


class ActionError(MistralResumeError):
    """An action failed; carried as the action's error result, not raised."""

    message = "Action failed"
