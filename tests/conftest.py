"""Settings every Lambda function gets from template.yaml's Globals, set before any test imports the
observability module (Powertools reads them when Logger and Metrics are created)."""

import os

os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "SocialCRM")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "socialcrm")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
