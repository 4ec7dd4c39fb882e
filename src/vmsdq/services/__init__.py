"""The application layer: one function per use case over a :class:`Context`.

The CLI, the web views and API handlers, and the background jobs call these functions and
nothing below them; each resource's JSON shape is defined once, in ``views``.
"""
