"""How platforms are named to people (agents, tasks, speech): from socialcrm.platform_catalog."""

from socialcrm.platform_catalog import PLATFORM_NAMES as PLATFORM_NAMES  # its readers import it from here
