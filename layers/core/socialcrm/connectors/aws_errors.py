"""How AWS API errors map to delivery errors, shared by the Amazon Connect connectors."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from socialcrm.errors import PermanentDeliveryError, TransientDeliveryError

TRANSIENT_CODES = frozenset({"ThrottlingException", "TooManyRequestsException", "InternalServerException",
                             "InternalServiceException", "ServiceUnavailableException", "LimitExceededException",
                             "RequestTimeout", "RequestTimeoutException"})


def delivery_error(service: str, error: Exception) -> Exception:
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "")
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if code in TRANSIENT_CODES or status >= 500 or status == 429:
            return TransientDeliveryError(f"{service}: {code or status}")
        return PermanentDeliveryError(f"{service}: {code or status}")
    if isinstance(error, BotoCoreError):  # timeouts, connection errors
        return TransientDeliveryError(f"{service}: {type(error).__name__}")
    return error
