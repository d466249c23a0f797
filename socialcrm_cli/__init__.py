"""`socialcrm`: the operator command (docs/operations.md). Not part of the Lambda layer."""
