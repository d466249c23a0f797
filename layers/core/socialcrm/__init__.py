"""Social CRM domain core, ports and adapters (shipped as the CoreLayer)."""
