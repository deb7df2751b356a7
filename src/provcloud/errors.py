"""Errors a user can cause: printed as one clear message, never as a traceback."""


class UserError(Exception):
    """A mistake in what the user asked for or in their files; the message says what to change."""
