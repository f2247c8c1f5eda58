"""registry - the decorator behind the figure and report-section registries.

    PLOTS = []
    plot = registry.decorator(PLOTS, PlotKind)          # @plot("name", "Title", "how")
    SECTIONS = []
    section = registry.decorator(SECTIONS, Section, order=lambda s: s.order)

Invariant: items holds one entry per decorated function, built as
kind(*args, fn, **kwargs), in registration order or sorted by `order`.
"""
from __future__ import annotations


def decorator(items: list, kind, order=None):
    def declare(*args, **kwargs):
        def register(fn):
            items.append(kind(*args, fn, **kwargs))
            if order is not None:
                items.sort(key=order)
            return fn
        return register
    return declare
