"""Routers: search, documents, health, pages."""
