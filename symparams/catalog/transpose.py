"""Layers of this family register themselves with catalog.core.layer."""
