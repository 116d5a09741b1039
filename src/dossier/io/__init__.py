"""Importers and exporters: CSV, JSON and JSON Lines."""
