"""Queries every signed-in request makes besides its page's own, for the query budgets."""

# SESSION_SAVE_EVERY_REQUEST (the idle timeout) renews the session on every response:
# SAVEPOINT, UPDATE django_session, RELEASE SAVEPOINT.
SESSION_RENEWAL = 3
