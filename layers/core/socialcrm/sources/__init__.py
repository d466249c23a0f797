"""Polled sources (no webhooks): each is a Listing for socialcrm.polling."""
