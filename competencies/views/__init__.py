"""The competencies app's pages, one module per page family."""
