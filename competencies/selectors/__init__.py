"""Reads for the competencies app's pages, one module per page family, as in `views/`:
gaps (the dashboard), history, career (match scores, paths, talent search), team (the
heatmap) and reports (the organisation report). Every selector costs a fixed number of
queries. What counts as met, in gap or not started is decided in `competencies.rules`.
"""
