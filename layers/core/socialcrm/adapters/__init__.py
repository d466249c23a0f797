"""Adapters: the ports implemented against AWS services."""
